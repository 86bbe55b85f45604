"""CORS and size limits for the report API, before Django reads the body.

CORS headers go only to origins that are a domain of a site: the site the
report was for when the view got that far, else any site (so the widget can
read a 400 message). Never with credentials.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpResponse, JsonResponse

from typodesk.ingest.client import host_of
from typodesk.ingest.schemas import MAX_BODY
from typodesk.sites.models import Domain, www_twin

REPORT_PATHS = ("/api/v1/reports",)


def _host_is_any_site(host: str | None) -> bool:
    if not host:
        return False
    host = host.lower()
    parts = host.split(".")
    wildcards = ["*." + ".".join(parts[i:]) for i in range(1, len(parts))] + ["*." + host]
    # A site that treats www. and the bare domain as one lists either of them (Site.www_alias).
    twin = Q(host=www_twin(host), site__www_alias=True)
    return Domain.objects.filter(Q(host__in=[host, *wildcards]) | twin).exists()


class ReportCorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.rstrip("/") not in REPORT_PATHS:
            return self.get_response(request)
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            if origin and _host_is_any_site(host_of(origin)):
                self._allow(response, origin)
                response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response["Access-Control-Allow-Headers"] = "Content-Type"
                response["Access-Control-Max-Age"] = "86400"
            return response
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            response = JsonResponse(
                {"error": f"The report is larger than {MAX_BODY // 1024} KB.", "field": "body"}, status=413
            )
        else:
            response = self.get_response(request)
        if origin:
            site = getattr(request, "typodesk_site", None)
            host = host_of(origin)
            if site.allows_host(host) if site is not None else _host_is_any_site(host):
                self._allow(response, origin)
        return response

    @staticmethod
    def _allow(response, origin: str) -> None:
        response["Access-Control-Allow-Origin"] = origin
        # The widget reads Retry-After to tell a refused reader when to try again.
        response["Access-Control-Expose-Headers"] = "Retry-After"
        response["Vary"] = "Origin"
