from django.contrib import admin
from django.urls import path

# admin.site.urls lists the models registered when this module is imported.
urlpatterns = [path("admin/", admin.site.urls)]
