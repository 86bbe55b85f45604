"""A page or API call whose database is away answers 503 with Retry-After, never a 500.

PostgreSQL restarting, its connections terminated, SQLite's disk full: the request did nothing
wrong and may simply be tried again in a few seconds, which a 503 with ``Retry-After`` says to
browsers, proxies (nginx's ``proxy_next_upstream http_503``) and the widget. The report endpoint
answers its own 503s (:mod:`typodesk.ingest.endpoint`); this covers every Django view.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger("typodesk.unavailable")

RETRY_AFTER = "5"
MESSAGE = "The database is unavailable just now. Please try again in a few seconds."


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # An IntegrityError is a bug or a race in the view, not an unavailable database.
        if not isinstance(exception, DatabaseError) or isinstance(exception, IntegrityError):
            return None
        log.warning("database unavailable: %s %s answered 503 (%s)", request.method, request.path, exception)
        if request.path.startswith(("/api/", "/widget/")):
            response: HttpResponse = JsonResponse({"error": MESSAGE, "field": None}, status=503)
        else:
            response = HttpResponse(MESSAGE + "\n", status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = RETRY_AFTER
        response["Cache-Control"] = "no-store"
        return response
