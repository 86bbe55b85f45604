"""The public report API: ``POST /api/v1/reports``.

Every answer other than 201 carries ``{"error": …, "field": …}`` with a message
a person can act on; no input can make it answer 500.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Status
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

from typodesk.findings.services import Quote, record_report
from typodesk.ingest import ratelimit
from typodesk.ingest.client import client_hash, host_of
from typodesk.ingest.schemas import MAX_BODY, ErrorOut, ReportIn, ReportOut
from typodesk.sites.models import Site


class ApiError(HttpError):
    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None):
        super().__init__(status, message)
        self.field = field
        self.headers = headers or {}


class ReportParser(Parser):
    """JSON whatever the Content-Type says: browsers send text/plain to avoid a CORS preflight."""

    def parse_body(self, request: HttpRequest):
        if len(request.body) > MAX_BODY:
            raise ApiError(413, f"The report is larger than {MAX_BODY // 1024} KB.", "body")
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


api = NinjaAPI(
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
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "payload")]
    field = ".".join(loc) or "body"
    msg = str(err.get("msg", "invalid value"))
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "missing":
        msg = "This field is required"
    return _error(request, 400, f"{field}: {msg}.", field)


@api.post(
    "/reports",
    response={201: ReportOut, 400: ErrorOut, 403: ErrorOut, 413: ErrorOut, 429: ErrorOut},
    summary="Report a mistake",
    tags=["reports"],
)
def create_report(request, payload: ReportIn):
    """Store a reader's report; reports of the same span on the same page share one finding.

    Also accepted with ``Content-Type: text/plain`` (same JSON), so browsers send it without a preflight.
    """
    site = Site.objects.filter(public_key=payload.site).prefetch_related("domains").first()
    if site is None:
        raise ApiError(403, "Unknown site key: check the data-site attribute of the script tag.", "site")
    request.typodesk_site = site
    page_host = host_of(payload.url)
    if not site.allows_host(page_host):
        raise ApiError(
            403, f"Pages on {page_host} are not part of this site: add the domain in the desk.", "url"
        )
    origin = request.headers.get("Origin")
    if origin is not None and not site.allows_host(host_of(origin)):
        raise ApiError(403, "This page's origin is not one of the site's domains.", "origin")

    client = client_hash(request)
    wait = ratelimit.take(
        f"client:{client}",
        capacity=settings.TYPODESK_RATE_BURST,
        per_second=settings.TYPODESK_RATE_PER_MINUTE / 60,
    )
    if wait:
        raise ApiError(
            429,
            f"Too many reports from your connection. Please try again in {int(wait)} seconds.",
            None,
            {"Retry-After": str(int(wait))},
        )

    q = payload.quote
    recorded = record_report(
        site,
        url=payload.url,
        quote=Quote(q.exact, q.prefix, q.suffix, q.start, q.end),
        title=payload.title,
        lang=payload.lang,
        suggestion=payload.suggestion if payload.suggestion != q.exact else "",
        comment=payload.comment,
        client_hash=client,
    )
    return Status(
        201, {"id": recorded.report.pk, "finding": recorded.finding.pk, "duplicate": recorded.duplicate}
    )
