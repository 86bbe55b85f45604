from django.apps import AppConfig


class ApiV1Config(AppConfig):
    name = "typodesk.apiv1"
    label = "apiv1"
    verbose_name = "API v1"
    default_auto_field = "django.db.models.BigAutoField"
