from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notification channels, the outbox and its delivery (see docs/notifications.md)."""

    name = "typodesk.notify"
    label = "notify"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from typodesk.findings import signals
        from typodesk.notify import receivers

        signals.report_recorded.connect(receivers.report_recorded, dispatch_uid="notify")
        signals.reports_added.connect(receivers.reports_added, dispatch_uid="notify")
        signals.status_changed.connect(receivers.status_changed, dispatch_uid="notify")
