"""Serves the reader widget (built by :mod:`typodesk.widget.build`) and the site options it reads.

``/widget.js`` is what sites embed: it may change with every upgrade, so browsers keep it for an
hour and then revalidate it with its ETag. ``/widget.<hash>.js`` is the same file under its content
hash, cacheable forever, for sites that pin a version. ``/widget/dialog.<hash>.js`` is the part the
loader imports on first use, one per language; its name changes with its content, so it is
cacheable forever too, as is ``/widget/corrections.<hash>.js``, the corrections note of pages
that turn it on.
Anyone may load all of these: they send nothing on their own.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from typodesk.abuse.policy import policy_for
from typodesk.sites.models import Site
from typodesk.widget.build import Asset, widget

FOREVER = "public, max-age=31536000, immutable"


def widget_version() -> str:
    return widget().loader.digest


def _public(response: HttpResponse) -> HttpResponse:
    # Module scripts (the dialog) are fetched with CORS; any site may embed the widget.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    response["Timing-Allow-Origin"] = "*"  # so a site can measure what the widget costs it
    return response


def _serve(request: HttpRequest, asset: Asset, cache_control: str) -> HttpResponse:
    etag = f'"{asset.digest}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(asset.body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return _public(response)


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    return _serve(request, widget().loader, "public, max-age=3600")


@require_GET
def widget_js_versioned(request: HttpRequest, digest: str) -> HttpResponse:
    if digest != widget_version():
        raise Http404("No such widget version")
    return _serve(request, widget().loader, FOREVER)


@require_GET
def dialog_js(request: HttpRequest, digest: str) -> HttpResponse:
    """The dialog part, one per language. A loader cached before an upgrade asks for a dialog it
    was built with: it is sent to today's English one (the parts keep their interface across
    versions, and an old hash does not say its language) rather than left without a dialog until
    its cache expires, an hour at most."""
    dialogs = widget().dialogs
    dialog = next((d for d in dialogs.values() if d.digest == digest), None)
    if dialog is None:
        response = redirect("widget-dialog-js", digest=dialogs["en"].digest)
        response["Cache-Control"] = "no-store"
        return _public(response)
    return _serve(request, dialog, FOREVER)


@require_GET
def note_js(request: HttpRequest, digest: str) -> HttpResponse:
    """The corrections note (pages with ``data-corrections="on"``); like the dialog, an older
    hash is sent to today's."""
    note = widget().note
    if digest != note.digest:
        response = redirect("widget-note-js", digest=note.digest)
        response["Cache-Control"] = "no-store"
        return _public(response)
    return _serve(request, note, FOREVER)


@require_GET
def site_options(request: HttpRequest, key: str) -> JsonResponse:
    """What the dialog needs to know about a site: whether readers may leave an e-mail address,
    whether reports need a proof-of-work (``pow``) and the minimum time in ms from opening the
    dialog to sending (``wait``; docs/abuse.md).

    Public (the answer is visible in every page's dialog anyway); fetched on the reader's first
    use of the dialog, never at page load. Kept five minutes, so a change in the desk shows soon.
    """
    site = Site.objects.filter(public_key=key).only("public_key", "allow_reader_email").first()
    if site is None:
        response = JsonResponse(
            {"error": "Unknown site key: check the data-site attribute of the script tag."}, status=404
        )
    else:
        policy = policy_for(site)
        response = JsonResponse(
            {
                "email": site.allow_reader_email,
                "pow": policy.pow_required,
                "wait": round(policy.min_seconds * 1000),
            }
        )
    response["Cache-Control"] = "public, max-age=300"
    return _public(response)
