"""The desk's correction action; included under ``desk/`` by typodesk/urls.py."""

from django.urls import path

from typodesk.corrections import desk

app_name = "corrections"
urlpatterns = [
    path("findings/<int:pk>/correction/", desk.finding_correction, name="finding"),
]
