import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "typodesk.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django first: it sets itself up (apps, models) before the lean path's modules import models.
# `typodesk serve --workers N` imports this module in fresh processes where nothing else has.
django_application = get_asgi_application()

from typodesk.ingest.fast import wrap  # noqa: E402

# POST /api/v1/reports is answered by the lean ingestion path in front of Django
# (typodesk.ingest.fast, docs/performance.md); everything else goes to Django.
application = wrap(django_application)
