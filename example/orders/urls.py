from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("place/", views.place, name="place"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path(
        "customers/<int:pk>/summary.json",
        views.customer_summary,
        name="customer-summary",
    ),
]
