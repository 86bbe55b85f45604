from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The page reader: fetches reported pages, verifies fixes, learns the site's words."""

    name = "typodesk.pages"
    label = "pages"
    verbose_name = "Page checks"
    default_auto_field = "django.db.models.BigAutoField"
