"""Serves the reader widget.

``/widget.js`` is what sites embed: it may change with every upgrade, so
browsers keep it for an hour and revalidate with its ETag.
``/widget.<hash>.js`` is the same file under a content hash, cacheable forever,
for sites that pin a version.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

SOURCE = Path(__file__).resolve().parent / "static" / "typodesk" / "widget.js"


@lru_cache(maxsize=1)
def _widget() -> tuple[bytes, str]:
    body = SOURCE.read_bytes()
    return body, hashlib.sha256(body).hexdigest()[:12]


def widget_version() -> str:
    return _widget()[1]


def _serve(request, immutable: bool) -> HttpResponse:
    body, digest = _widget()
    etag = f'"{digest}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "public, max-age=3600"
    # Any site may load the script; it sends nothing on its own.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_GET
def widget_js(request) -> HttpResponse:
    return _serve(request, immutable=False)


@require_GET
def widget_js_versioned(request, digest: str) -> HttpResponse:
    if digest != widget_version():
        raise Http404("No such widget version")
    return _serve(request, immutable=True)
