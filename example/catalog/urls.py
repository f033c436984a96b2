from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.category_list, name="category-list"),
    path("products.json", views.product_list_json, name="product-list-json"),
    path("products/<slug:slug>/", views.product_detail, name="product-detail"),
]
