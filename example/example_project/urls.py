from django.urls import include, path

from utils.views import health

urlpatterns = [
    path("health/", health, name="health"),
    path("catalog/", include("catalog.urls")),
    path("orders/", include("orders.urls")),
    path("blog/", include("blog.urls")),
]
