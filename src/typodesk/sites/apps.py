from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "typodesk.sites"
    label = "typodesk_sites"
    verbose_name = "Sites"
