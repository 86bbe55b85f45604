from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from typodesk import views as core_views
from typodesk.demo import views as demo_views
from typodesk.ingest.api import api
from typodesk.widget import views as widget_views

urlpatterns = [
    path("", lambda request: redirect("desk:inbox")),
    path("widget.js", widget_views.widget_js, name="widget-js"),
    path("widget.<str:digest>.js", widget_views.widget_js_versioned, name="widget-js-versioned"),
    path("api/v1/", api.urls),
    path("desk/", include("typodesk.desk.urls")),
    path("demo/article/", demo_views.article, name="demo-article"),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
