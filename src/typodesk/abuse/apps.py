from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "typodesk.abuse"
    label = "typodesk_abuse"
    verbose_name = "Abuse protection"

    def ready(self) -> None:
        from typodesk.abuse import policy  # noqa: F401 (its signals keep the cached snapshots fresh)
