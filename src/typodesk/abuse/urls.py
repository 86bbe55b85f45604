"""Included under ``desk/`` (see typodesk/urls.py)."""

from django.urls import path

from typodesk.abuse import views

app_name = "abuse"
urlpatterns = [
    path("protection/", views.index, name="index"),
    path("sites/<str:key>/protection/", views.protection, name="protection"),
    path("sites/<str:key>/protection/limits/", views.save_limits, name="limits"),
    path("sites/<str:key>/protection/pow/", views.set_pow, name="pow"),
    path("sites/<str:key>/protection/block/", views.block_client, name="block"),
    path("sites/<str:key>/protection/block/<int:pk>/delete/", views.unblock_client, name="unblock"),
    path("sites/<str:key>/protection/words/", views.add_word, name="add-word"),
    path("sites/<str:key>/protection/words/<int:pk>/delete/", views.remove_word, name="remove-word"),
]
