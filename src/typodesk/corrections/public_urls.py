"""The public corrections log (no login): included at ``c/`` by typodesk/urls.py."""

from django.urls import path

from typodesk.corrections import views

app_name = "corrections-public"
urlpatterns = [
    path("<str:key>/", views.corrections_page, name="page"),
    path("<str:key>/feed.atom", views.corrections_feed, name="feed"),
    path("<str:key>/corrections.json", views.corrections_json, name="json"),
]
