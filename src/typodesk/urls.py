from django.contrib import admin
from django.shortcuts import redirect
from django.urls import include, path

from typodesk import metrics as metrics_views
from typodesk import views as core_views
from typodesk.abuse import views as abuse_views
from typodesk.apiv1 import views as apiv1_views
from typodesk.apiv1.api import api
from typodesk.favicon import favicon
from typodesk.ingest import orphus
from typodesk.widget import views as widget_views

urlpatterns = [
    path("", lambda request: redirect("desk:inbox")),
    path("widget.js", widget_views.widget_js, name="widget-js"),
    path("widget.<str:digest>.js", widget_views.widget_js_versioned, name="widget-js-versioned"),
    path("widget/dialog.<str:digest>.js", widget_views.dialog_js, name="widget-dialog-js"),
    path("widget/corrections.<str:digest>.js", widget_views.note_js, name="widget-note-js"),
    path("widget/site/<str:key>", widget_views.site_options, name="widget-site-options"),
    path("widget/pow/<str:key>", abuse_views.challenge, name="widget-pow-challenge"),
    # Orphus 5.x forms (its hq address, with or without the slash, as sites wrote it).
    path("orphus", orphus.orphus, name="orphus"),
    path("orphus/", orphus.orphus),
    path("api/v1/docs/", apiv1_views.reference, name="api-reference"),
    path("api/v1/", api.urls),
    path("desk/", include("typodesk.desk.urls")),
    path("desk/", include("typodesk.accounts.urls")),
    path("desk/", include("typodesk.sites.urls")),
    path("desk/", include("typodesk.notify.urls")),
    path("desk/", include("typodesk.apiv1.urls")),
    path("desk/", include("typodesk.abuse.urls")),
    path("desk/", include("typodesk.overview.urls")),
    path("desk/", include("typodesk.corrections.urls")),
    path("c/", include("typodesk.corrections.public_urls")),
    path("", include("typodesk.demo.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("metrics", metrics_views.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # The desk's language switcher (the footer form): POST only, CSRF-checked, kept in a cookie.
    path("i18n/", include("django.conf.urls.i18n")),
]

# Under /api/ a path no route matches answers JSON in the API's error shape, not an HTML page.
handler404 = "typodesk.apiv1.errors.not_found_json"
