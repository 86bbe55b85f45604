from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notification channels, the outbox and its delivery (see docs/notifications.md)."""

    name = "typodesk.notify"
    label = "notify"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"
