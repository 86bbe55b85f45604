"""Pages served by typodesk for the API: the interactive reference, and the desk's token and
export pages.

The reference is Swagger UI from the files django-ninja ships (no CDN, no request leaves
typodesk), started by a script file of ours: the desk's Content-Security-Policy allows no
inline script. Token pages follow the desk's rules: a POST with a CSRF token for every change,
the new token shown once in the answer to the POST that made it (never kept in the session).
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from typodesk.apiv1.models import ApiToken
from typodesk.apiv1.tokens import TokenError, create_token
from typodesk.desk.export import file_name, for_spreadsheets
from typodesk.interchange.export import FORMATS, export_chunks
from typodesk.interchange.streaming import stream
from typodesk.sites.models import sites_for


@require_GET
def reference(request):
    """The interactive API reference (Swagger UI), public like the OpenAPI document it reads."""
    config = {
        "url": reverse("api-v1:openapi-json"),
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        # The default would send the document to validator.swagger.io: no request leaves typodesk.
        "validatorUrl": None,
        "persistAuthorization": False,
        "tryItOutEnabled": False,
    }
    return render(request, "apiv1/reference.html", {"config": config})


@login_required
@never_cache
def tokens(request):
    return _tokens_page(request)


def _tokens_page(
    request, new_secret: str = "", new_token: ApiToken | None = None, error: str = "", status=200
):
    sites = list(sites_for(request.user).order_by("name"))
    mine = (
        ApiToken.objects.filter(user=request.user, revoked=None).select_related("site").order_by("-created")
    )
    return render(
        request,
        "apiv1/tokens.html",
        {
            "tokens": mine,
            "sites": sites,
            "new_secret": new_secret,
            "new_token": new_token,
            "error": error,
            "api_base": request.build_absolute_uri("/api/v1"),
            "now": timezone.now(),
        },
        status=status,
    )


# How long a new token lives, as the desk offers it (days; None: it never expires).
EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365, "none": None}


@login_required
@never_cache  # the answer shows the new token: no cache may keep it
@require_POST
def token_create(request):
    """A new token, as narrow as the form says: one site unless "all my sites" is chosen, read-only
    unless "read and write" is, and a name to recognise it by."""
    name = request.POST.get("name", "").strip()
    if not name:
        return _tokens_page(
            request,
            error=_("Give the token a name: what it is for, so that you can tell it apart."),
            status=400,
        )
    key = request.POST.get("site", "")
    site = None
    if key != "all":
        site = sites_for(request.user).filter(public_key=key).first() if key else None
        if site is None:
            return _tokens_page(request, error=_("Choose one of your sites, or all of them."), status=400)
    access = request.POST.get("access") or ("read" if request.POST.get("read_only") == "on" else "")
    if access not in ("read", "write"):
        access = "read"  # the narrowest, when nothing says otherwise
    expiry = request.POST.get("expires", "none")
    if expiry not in EXPIRY_DAYS:
        return _tokens_page(request, error=_("Choose when the token expires."), status=400)
    days = EXPIRY_DAYS[expiry]
    try:
        token, secret = create_token(
            request.user,
            site=site,
            read_only=access == "read",
            name=name,
            expires=timezone.now() + timedelta(days=days) if days else None,
        )
    except TokenError as exc:
        return _tokens_page(request, error=str(exc), status=400)
    return _tokens_page(request, new_secret=secret, new_token=token)


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked=None)
    ApiToken.objects.filter(pk=token.pk).update(revoked=timezone.now())
    messages.success(request, _("Token %(token)s… revoked: it no longer works.") % {"token": token.shown})
    return redirect("apiv1:tokens")


@login_required
def exports(request):
    sites = list(sites_for(request.user).order_by("name"))
    formats = [("json", "JSON"), ("csv", "CSV"), ("jsonld", "JSON-LD")]
    return render(request, "apiv1/export.html", {"sites": sites, "formats": formats})


@login_required
@require_GET
def export_download(request, key: str, fmt: str):
    if fmt not in FORMATS:
        raise Http404
    site = get_object_or_404(sites_for(request.user), public_key=key)
    content_type, ext = FORMATS[fmt]
    chunks = export_chunks(site, fmt)
    if fmt == "csv":
        chunks = for_spreadsheets(chunks)
    return stream(request, chunks, content_type, file_name([site], ext))
