from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "typodesk.findings"
    label = "findings"
