"""The ``/api/v1`` NinjaAPI: the CMS's re-check call, the REST API for editors, one OpenAPI document.

``POST /api/v1/reports`` is answered in front of Django by :mod:`typodesk.ingest.endpoint`; it is
described here (:class:`TypodeskAPI`) so that the one OpenAPI document covers it too.
Every answer other than 2xx carries ``{"error": …, "field": …}`` with a message a person can act on.
"""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import HttpBearer

from typodesk.apiv1 import routers
from typodesk.apiv1.errors import ApiError
from typodesk.ingest.client import host_of
from typodesk.ingest.openapi import with_report_endpoint
from typodesk.ingest.schemas import MAX_BODY, ErrorOut
from typodesk.pages.schemas import RecheckIn, RecheckOut
from typodesk.sites.models import Site


class ReportParser(Parser):
    """JSON whatever the Content-Type says: browsers send text/plain to avoid a CORS preflight."""

    def parse_body(self, request: HttpRequest):
        if len(request.body) > MAX_BODY:
            raise ApiError(413, too_large(request), "body")
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, "The body must be UTF-8 encoded JSON.", "body") from None
        try:
            return json.loads(text)
        except RecursionError:
            raise ApiError(400, "The JSON is nested too deeply.", "body") from None
        except ValueError as exc:
            raise ApiError(400, f"The body is not valid JSON: {exc}.", "body") from None


def too_large(request: HttpRequest) -> str:
    """The 413 message, naming what was too large at this endpoint."""
    path = request.path.rstrip("/")
    if path == "/api/v1/reports":
        return f"The report is larger than {MAX_BODY // 1024} KB."
    if path.endswith("/recheck"):
        return f"The re-check request is larger than {MAX_BODY // 1024} KB."
    return f"The body of {request.method} {request.path} is larger than {MAX_BODY // 1024} KB."


class TypodeskAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return with_report_endpoint(schema)


api = TypodeskAPI(
    title="typodesk API",
    version="1",
    urls_namespace="api-v1",
    parser=ReportParser(),
    docs_url=None,
    description='Readers\' reports of mistakes in a site\'s text. Errors: `{"error": …, "field": …}`.',
)


def _error(request, status: int, message: str, field: str | None = None, headers=None) -> HttpResponse:
    response = api.create_response(request, {"error": message, "field": field}, status=status)
    for k, v in (headers or {}).items():
        response[k] = v
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc if isinstance(exc, ApiError) else exc.__cause__
    if isinstance(cause, ApiError):
        return _error(request, cause.status_code, cause.message, cause.field, cause.headers)
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    err = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload", "query", "path")]
    field = ".".join(loc) or "body"
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "missing":
        msg = "This field is required"
    return _error(request, 400, f"{field}: {msg}.", field)


class SiteTokenAuth(HttpBearer):
    """The site token of the site named in the path, for a CMS (``typodesk site token KEY``).

    Checked before the body is read, so that a caller without the token learns nothing else.
    One answer for an unknown site key and a wrong token: no oracle for either.
    """

    def __call__(self, request: HttpRequest):
        match = request.resolver_match
        key = match.kwargs.get("key") if match else None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        site = Site.objects.filter(public_key=key).prefetch_related("domains").first() if key else None
        if site is None or scheme.lower() != "bearer" or not site.token_matches(token.strip()):
            raise ApiError(
                401,
                "Missing or wrong site token: send Authorization: Bearer TOKEN (typodesk site token KEY).",
                "authorization",
                {"WWW-Authenticate": 'Bearer realm="typodesk"'},
            )
        return site

    def authenticate(self, request: HttpRequest, token: str):  # pragma: no cover - __call__ does it all
        return None


@api.post(
    "/sites/{key}/recheck",
    response={200: RecheckOut, 202: RecheckOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 413: ErrorOut},
    summary="Re-check a page after publishing an edit",
    tags=["pages"],
    auth=SiteTokenAuth(),
)
def recheck_page(request, key: str, payload: RecheckIn):
    """For a CMS to call after it publishes an edit: typodesk reads the page again soon and verifies
    the fixes (docs/verification.md). Authenticated with the site token
    (``Authorization: Bearer …``, from ``typodesk site token KEY``).

    202 when a reading is scheduled; 200 with ``scheduled: false`` when the page has no finding to
    check (no need to filter on the CMS side).
    """
    from typodesk.pages.models import PageCheck
    from typodesk.pages.schedule import recheck_url

    site = request.auth
    page_host = host_of(payload.url)
    if not site.allows_host(page_host):
        raise ApiError(403, f"Pages on {page_host} are not part of this site.", "url")
    page_url, count = recheck_url(site, payload.url, delay=payload.delay, reason=PageCheck.Reason.API)
    return Status(202 if count else 200, {"url": page_url, "scheduled": bool(count), "findings": count})


# The REST API for editors and integrations (typodesk.apiv1, docs/api.md) shares this NinjaAPI,
# so that one OpenAPI document describes both.
api.add_router("", routers.router)
