"""django-ninja's bundled files (Swagger UI), without importing django-ninja at start-up.

Listing ``"ninja"`` in ``INSTALLED_APPS`` would import the package, and with it pydantic and
all of django-ninja, in every process, the worker included (about 12 MB of memory), only so
that its ``static/`` directory is found. This app points at the package's directory instead:
the static files finder (and the template loader) look there, and django-ninja itself is
imported only by what uses it (the API's URLs, the report endpoint).
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from django.apps import AppConfig


def _ninja_dir() -> str:
    # find_spec of a top-level package locates it without running its __init__.
    spec = find_spec("ninja")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("django-ninja is not installed")
    return str(Path(next(iter(spec.submodule_search_locations))).resolve())


class NinjaStaticConfig(AppConfig):
    name = "typodesk.apiv1.ninja_static"
    label = "ninja_static"
    verbose_name = "django-ninja's static files"
    path = _ninja_dir()
