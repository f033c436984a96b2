from django.urls import path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.post_list, name="list"),
    path("api/posts.json", views.post_api, name="api"),
    path("drafts/", views.my_drafts, name="drafts"),
    path("drafts/new/", views.new_draft, name="new-draft"),
    path("<slug:slug>/", views.post_detail, name="detail"),
]
