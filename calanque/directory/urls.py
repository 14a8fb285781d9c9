from django.urls import path

from calanque.directory import views

app_name = "directory"
urlpatterns = [
    path("", views.search, name="search"),
    path("suggestions/", views.suggestions, name="suggestions"),
]
