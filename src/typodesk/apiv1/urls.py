"""The desk's API token and export pages; included under ``desk/`` (see typodesk/urls.py)."""

from django.urls import path

from typodesk.apiv1 import views

app_name = "apiv1"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/new/", views.token_create, name="token-create"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("export/", views.exports, name="export"),
    path("export/<str:key>.<str:fmt>", views.export_download, name="export-download"),
]
