"""Errors of the REST API, in the report API's shape: ``{"error": …, "field": …}``.

The handler that turns :class:`ApiError` into that answer lives in :mod:`typodesk.apiv1.api`.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja.errors import HttpError

from typodesk.ingest.schemas import ErrorOut

__all__ = ["ApiError", "ErrorOut", "api_error", "not_found_json", "ERRORS_READ", "ERRORS_WRITE"]

# The error answers every operation documents: 400 bad parameters, 401 no or bad token,
# 403 token or role does not allow it, 404 not found or not visible to this user.
ERRORS_READ = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
# Writes also: 409 a conflict with the current state, 413 a body over the limit.
ERRORS_WRITE = {**ERRORS_READ, 409: ErrorOut, 413: ErrorOut}


class ApiError(HttpError):
    """An error answer with the field it is about and extra headers (``Retry-After``, ``Allow``)."""

    def __init__(self, status: int, message: str, field: str | None = None, headers: dict | None = None):
        super().__init__(status, message)
        self.field = field
        self.headers = headers or {}


def api_error(status: int, message: str, field: str | None = None, headers: dict | None = None) -> Exception:
    """The exception to raise for an error answer (``raise api_error(404, …, "id")``)."""
    return ApiError(status, message, field, headers)


def not_found_json(request: HttpRequest, exception=None):
    """Django's 404 handler: JSON in the API's shape under ``/api/``, the usual page elsewhere.

    A path no route matches (``/api/v1/findings/abc``) never reaches django-ninja, so without
    this an API client would get an HTML page instead of the documented error.
    """
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"error": "There is no such API endpoint: see /api/v1/docs/.", "field": None}, status=404
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
