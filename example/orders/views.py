from django.db.models import Count, Sum
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .forms import OrderLineForm
from .models import Customer, LineItem, Order, line_total
from .services import OutOfStock, place_order


def customer_summary(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    orders = customer.orders.exclude(status=Order.CANCELLED)
    spent = LineItem.objects.filter(order__in=orders).aggregate(
        spent=Sum(line_total())
    )["spent"]
    by_status = dict(
        customer.orders.values_list("status").annotate(n=Count("pk")).order_by()
    )
    return JsonResponse(
        {
            "customer": customer.email,
            "orders": orders.count(),
            "spent": str(spent or "0.00"),
            "by_status": by_status,
        }
    )


def order_detail(request, pk):
    order = get_object_or_404(
        Order.objects.select_related("customer").prefetch_related("lines__product"),
        pk=pk,
    )
    return render(request, "orders/order_detail.html", {"order": order})


@require_POST
def place(request):
    form = OrderLineForm(request.POST)
    if not form.is_valid():
        return render(request, "orders/place_failed.html", {"form": form}, status=400)
    try:
        order = place_order(
            form.customer, [(form.product, form.cleaned_data["quantity"])]
        )
    except OutOfStock as exc:
        return render(
            request,
            "orders/place_failed.html",
            {"form": form, "error": exc},
            status=409,
        )
    return redirect("orders:detail", pk=order.pk)
