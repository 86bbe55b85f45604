from django.apps import AppConfig


class HeartbeatConfig(AppConfig):
    """The workers' heartbeats (typodesk.worker records them)."""

    name = "typodesk.heartbeat"
    label = "heartbeat"
    verbose_name = "Worker heartbeats"
    default_auto_field = "django.db.models.BigAutoField"
