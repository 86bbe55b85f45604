"""Instance-wide endpoints that belong to no single feature."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request) -> HttpResponse:
    """200 when the database answers; for load balancers and process monitors.

    With ``TYPODESK_REDIS_URL`` set, also whether Redis answers: without it the server still takes
    reports (the rate limits use the database), so the answer stays 200, with ``"status":
    "degraded"`` for the operator."""
    from typodesk.ingest import ratelimit

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "error": exc.__class__.__name__}, status=503)
    redis = ratelimit.redis_status()
    if redis is None:
        return JsonResponse({"status": "ok"})
    return JsonResponse(
        {
            "status": "ok" if redis == "ok" else "degraded",
            "redis": redis,
            "rate_limits": "redis" if redis == "ok" else "database",
        }
    )
