"""Included under ``desk/`` (see typodesk/urls.py)."""

from django.urls import path

from typodesk.notify import views

app_name = "notify"
urlpatterns = [
    path("notifications/", views.index, name="index"),
    path("sites/<str:key>/notifications/", views.site_channels, name="site"),
    path("sites/<str:key>/notifications/new/<str:kind>/", views.new_channel, name="new"),
    path("sites/<str:key>/notifications/<int:pk>/", views.channel, name="channel"),
    path("sites/<str:key>/notifications/<int:pk>/test/", views.test_channel, name="test"),
    path("sites/<str:key>/notifications/<int:pk>/resume/", views.resume_channel, name="resume"),
    path("sites/<str:key>/notifications/<int:pk>/pause/", views.pause_channel, name="pause"),
    path("sites/<str:key>/notifications/<int:pk>/delete/", views.delete_channel, name="delete"),
    path("sites/<str:key>/notifications/<int:pk>/secret/", views.rotate_secret, name="rotate-secret"),
]
