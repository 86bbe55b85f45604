"""Channels (where a site's notifications go), the outbox, and the record of every delivery.

The tables follow the life of a notification:

``Notification``
    one event for one channel, written in the same transaction as the report or
    status change that caused it (the outbox), so a crash cannot lose it;
``Message``
    what is actually sent: one or several notifications of a channel grouped
    together (a burst of reports becomes one message, a digest gathers a day),
    claimed by one worker at a time through a lease, retried with backoff;
``Attempt``
    every try at sending a message (or a "send test"), with its result, shown
    to the site's owners per channel.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from typodesk.sites.models import Site


class Event(models.TextChoices):
    """What happened. The value is the ``type`` of the webhook payload."""

    CREATED = "finding.created", _("New finding")
    REOPENED = "finding.reopened", _("Reported again after it was marked fixed")
    REPORTED = "finding.reported", _("Another report on an open finding")
    FIXED = "finding.fixed", _("Finding fixed")
    FIX_VERIFIED = "finding.fix_verified", _("Fix verified on the page")
    FIX_NOT_FOUND = "finding.fix_not_found", _("Fix not found on the page")


class Subscription(models.TextChoices):
    """What an owner ticks for a channel; one choice may cover several events."""

    NEW = "new", _("New finding (or one reported again after it was fixed)")
    REPORTED = "reported", _("Another report on an open finding")
    FIXED = "fixed", _("Finding marked fixed")
    VERIFICATION = "verification", _("Fix verified, or fix not found on the page")


SUBSCRIPTION_OF: dict[str, str] = {
    Event.CREATED: Subscription.NEW,
    # A reopened finding is back in the inbox as new: whoever wants to hear of new
    # findings wants to hear of this one too.
    Event.REOPENED: Subscription.NEW,
    Event.REPORTED: Subscription.REPORTED,
    Event.FIXED: Subscription.FIXED,
    Event.FIX_VERIFIED: Subscription.VERIFICATION,
    Event.FIX_NOT_FOUND: Subscription.VERIFICATION,
}
DEFAULT_SUBSCRIPTIONS = [Subscription.NEW, Subscription.VERIFICATION]


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def new_uid() -> str:
    return "msg_" + secrets.token_hex(12)


class Channel(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mail")
        APPRISE = "apprise", _("Chat or push (Apprise)")
        WEBHOOK = "webhook", _("Webhook")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    # E-mail: the recipients, one per line. Apprise and webhook: the URL, which may hold
    # tokens; it is never shown again in full (see targets.mask_url).
    target = models.TextField()
    # Webhook signing secret, shown once when the channel is created.
    secret = models.CharField(max_length=100, blank=True)
    events = models.JSONField(default=list)
    # E-mail: one mail per event (grouped in bursts), and/or a daily digest.
    immediate = models.BooleanField(default=True)
    digest = models.BooleanField(default=False)
    digest_hour = models.PositiveSmallIntegerField(default=8)
    time_zone = models.CharField(max_length=64, default="UTC")
    language = models.CharField(max_length=8, default="en")

    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Health, shown to owners. A paused channel still queues its notifications: they go
    # out (grouped) when an owner resumes it, so pausing never drops one.
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Messages failed for good in a row.")
    # Grouping: while a window is open, new notifications wait and leave together when it closes.
    hold_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} “{self.name}” of {self.site}"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def recipients(self) -> list[str]:
        return [line.strip() for line in self.target.replace(",", "\n").splitlines() if line.strip()]

    def subscribes_to(self, event: str) -> bool:
        return SUBSCRIPTION_OF.get(event) in self.events

    def modes(self) -> list[str]:
        """Delivery modes of this channel: only e-mail channels have a digest."""
        if self.kind != self.Kind.EMAIL:
            return [Notification.Mode.IMMEDIATE]
        modes = []
        if self.immediate:
            modes.append(Notification.Mode.IMMEDIATE)
        if self.digest:
            modes.append(Notification.Mode.DIGEST)
        return modes


class Message(models.Model):
    """One thing sent to a channel: a mail, a chat message, a webhook POST."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    # Stable across retries: the webhook-id and the mail's Message-ID, so a receiver
    # that got a message whose acknowledgement was lost can recognise the retry.
    uid = models.CharField(max_length=40, unique=True, default=new_uid)
    mode = models.CharField(max_length=10, default="immediate")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    retry_since = models.DateTimeField(
        null=True, blank=True, help_text="First failure of the current series."
    )
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_attempt_at"], name="message_due", condition=Q(status="pending")),
            models.Index(fields=["channel", "status"], name="message_channel_status"),
        ]

    def __str__(self) -> str:
        return f"{self.uid} to {self.channel_id} ({self.status})"


class Notification(models.Model):
    """One event for one channel: the outbox row."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", "Immediate"
        DIGEST = "digest", "Daily digest"

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=40, choices=Event.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    # A snapshot taken in the transaction of the event: what the message says does not
    # change if the finding changes (or is deleted) before delivery.
    data = models.JSONField()
    created = models.DateTimeField()
    due_at = models.DateTimeField()
    # CASCADE, not SET_NULL: a notification freed from a deleted message would be sent again.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["channel", "mode", "due_at"], name="notification_unsent", condition=Q(message=None)
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} for channel {self.channel_id}"


class Attempt(models.Model):
    """One try at delivering a message, or a "send test"; owners see these per channel."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="attempts")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="tries"
    )
    test = models.BooleanField(default=False)
    at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    ok = models.BooleanField()
    permanent = models.BooleanField(default=False)
    result = models.CharField(max_length=200)
    error = models.TextField(blank=True)
    worker = models.CharField(max_length=100, blank=True)

    class Meta:
        indexes = [models.Index(fields=["channel", "-at"], name="attempt_channel")]

    def __str__(self) -> str:
        return f"{self.result} at {self.at}"


class ReaderMail(models.Model):
    """The "thank you, it is fixed" mail to a reader who left an address (typodesk.notify.reader),
    and the "still on the page" mail to the editor who marked a finding fixed (kind "regressed",
    typodesk.notify.editor): one person, one address, one outbox.

    Written in the transaction that marks the finding fixed (the outbox), sent by the worker with
    retries; the address is erased here (and, for a reader's mail, from the finding's reports) as
    soon as the mail is sent or has failed for good. One pending mail per address and finding.
    """

    class Kind(models.TextChoices):
        FIXED = "fixed", "Fixed (to a reader)"
        REGRESSED = "regressed", "Still on the page (to the editor who marked it fixed)"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENT = "sent", "Delivered"
        FAILED = "failed", "Failed"

    finding = models.ForeignKey("findings.Finding", on_delete=models.CASCADE, related_name="reader_mails")
    address = models.EmailField(blank=True, help_text="Erased once the mail is sent or failed for good.")
    lang = models.CharField(max_length=8, default="en")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FIXED, db_default=Kind.FIXED)
    # What the mail says, copied when the finding was fixed (a retry says the same).
    data = models.JSONField(default=dict)
    uid = models.CharField(max_length=40, unique=True, default=new_uid)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created = models.DateTimeField()
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    retry_since = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "address"], condition=Q(status="pending"), name="one_pending_reader_mail"
            )
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="reader_mail_due", condition=Q(status="pending"))
        ]

    def __str__(self) -> str:
        return f"reader mail {self.uid} for finding {self.finding_id} ({self.status})"
