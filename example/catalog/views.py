from django.db.models import Count, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from .forms import PriceFilterForm
from .models import Category, Product


def category_list(request):
    categories = Category.objects.annotate(
        product_count=Count("products", filter=Q(products__active=True))
    )
    return render(request, "catalog/category_list.html", {"categories": categories})


def product_detail(request, slug):
    product = get_object_or_404(
        Product.objects.active().select_related("category").prefetch_related("tags"),
        slug=slug,
    )
    return render(request, "catalog/product_detail.html", {"product": product})


def product_list_json(request):
    form = PriceFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    products = (
        Product.objects.active()
        .select_related("category")
        .price_between(form.cleaned_data["min_price"], form.cleaned_data["max_price"])
    )
    if form.cleaned_data["in_stock"]:
        products = products.in_stock()
    category = request.GET.get("category")
    if category:
        products = products.filter(category__slug=category)
    results = [
        {
            "sku": product.sku,
            "name": product.name,
            "category": product.category.slug,
            "price": str(product.price),
            "stock": product.stock,
        }
        for product in products
    ]
    return JsonResponse({"count": len(results), "results": results})
