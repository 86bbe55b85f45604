"""A demo article with the widget, so a new user can try the whole loop at once."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from typodesk.sites.models import Site

DEMO_SITE_NAME = "Demo Gazette"


def article(request):
    site = Site.objects.filter(name=DEMO_SITE_NAME).first()
    if site is None:
        raise Http404("The demo site does not exist here; run `typodesk demo` to create it.")
    return render(request, "demo/article.html", {"site": site})
