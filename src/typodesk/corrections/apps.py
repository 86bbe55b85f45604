from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "typodesk.corrections"
    label = "corrections"
    default_auto_field = "django.db.models.BigAutoField"
