from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The page reader: fetches reported pages, verifies fixes, learns the site's words."""

    name = "typodesk.pages"
    label = "pages"
    verbose_name = "Page checks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from typodesk.findings import signals
        from typodesk.pages import receivers

        signals.report_recorded.connect(receivers.report_recorded, dispatch_uid="pages")
        signals.status_changed.connect(receivers.status_changed, dispatch_uid="pages")
