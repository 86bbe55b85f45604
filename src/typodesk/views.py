"""Instance-wide endpoints that belong to no single feature."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request) -> HttpResponse:
    """200 when the database answers; for load balancers and process monitors."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "error": exc.__class__.__name__}, status=503)
    return JsonResponse({"status": "ok"})
