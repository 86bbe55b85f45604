from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "typodesk.interchange"
    label = "interchange"
    verbose_name = "Import and export"
    default_auto_field = "django.db.models.BigAutoField"
