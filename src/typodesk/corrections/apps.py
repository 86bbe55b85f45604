from django.apps import AppConfig


class CorrectionsConfig(AppConfig):
    name = "typodesk.corrections"
    label = "corrections"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from typodesk.corrections.mail import reader_mail_context
        from typodesk.notify import signals

        # A reader's "it is fixed" mail quotes the finding's published correction.
        signals.reader_mail_context.connect(reader_mail_context, dispatch_uid="corrections")
