"""Included under ``desk/`` (see typodesk/urls.py)."""

from django.urls import path

from typodesk.overview import views

app_name = "overview"
urlpatterns = [
    path("overview/", views.index, name="index"),
    path("sites/<str:key>/overview/", views.site, name="site"),
]
