from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "typodesk.ingest"
    label = "ingest"
