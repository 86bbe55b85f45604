"""The ASGI application `typodesk serve` runs: the report endpoint in front of Django."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "typodesk.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django first: it sets itself up (apps, models) before the report endpoint's modules import them.
django_application = get_asgi_application()

from typodesk.ingest.endpoint import Application  # noqa: E402

# POST /api/v1/reports and the lifespan events are answered by typodesk.ingest.endpoint;
# everything else goes to Django.
application = Application(django_application)
