"""Answers under /api/ in the API's error shape, whatever produced them."""

from __future__ import annotations

from django.http import JsonResponse


class ApiMethodNotAllowedMiddleware:
    """A 405 under ``/api/`` (the router's plain-text "Method not allowed") becomes the API's JSON
    error, saying which methods the address takes; the Allow header stays."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith("/api/"):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        allowed = response.get("Allow", "")
        message = f"{request.path} does not take {request.method}"
        message += f"; use {allowed}." if allowed else "."
        out = JsonResponse({"error": message, "field": None}, status=405)
        if allowed:
            out["Allow"] = allowed
        for header in ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary"):
            if header in response:
                out[header] = response[header]
        return out
