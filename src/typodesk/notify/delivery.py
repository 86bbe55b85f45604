"""Turning the outbox into delivered messages: grouping, claiming, sending, retrying.

One :class:`Deliverer` per worker thread; its :meth:`~Deliverer.tick` does a
bounded amount of work and says how much, so the worker loop knows when to
sleep. Any number of workers may run at once, on SQLite or PostgreSQL, with no
coordination but the database:

1. **Group** (:func:`compose`). Due notifications of a channel become one
   ``Message``. For immediate delivery a channel has a grouping window: the
   first event after a quiet spell leaves at once and opens the window; what
   arrives while it is open waits and leaves together when it closes. A burst of
   500 reports in a minute is two or three messages per channel, not 500.
   Taking the window is a conditional UPDATE, and notifications are attached
   with ``UPDATE … SET message=? WHERE message IS NULL``, so two workers can
   never put one notification in two messages.
2. **Claim** (:meth:`Deliverer.claim`). ``UPDATE message SET claimed_by=?,
   lease_until=? WHERE id=? AND status='pending' AND (lease_until IS NULL OR
   lease_until < now)``: one row updated means this worker, and only it, sends
   the message until the lease ends. A worker that dies (even by SIGKILL)
   leaves a lease that simply expires; the message is then sent by another.
3. **Send and record.** Every attempt is an ``Attempt`` row. Success marks the
   message sent. A temporary failure schedules the next attempt with
   exponential backoff and jitter (:func:`backoff`) for at least
   ``retry_for`` (24 h); a permanent one, or running out of time, marks the
   message failed and the channel with the error, and a channel whose messages
   keep failing is paused with the reason shown in the desk.

While a channel has a message waiting for a retry, its new notifications are
not grouped into further messages: they wait, and leave together after the
retry succeeds, so a receiver that was down for an hour gets one catch-up
message instead of sixty.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from typodesk.notify.content import Item, Outgoing
from typodesk.notify.models import Attempt, Channel, Message, Notification, new_uid
from typodesk.notify.transport import Delivered, DeliveryError, transport_for

log = logging.getLogger("typodesk.notify")

RECORD_RETRY = 0.5  # seconds between two tries at recording a sent message's outcome


@dataclass(frozen=True)
class Policy:
    """The timing of delivery; documented in docs/notifications.md."""

    group_window: timedelta = timedelta(seconds=60)
    lease: timedelta = timedelta(seconds=120)
    retry_for: timedelta = timedelta(hours=24)
    backoff_base: timedelta = timedelta(seconds=30)
    backoff_cap: timedelta = timedelta(hours=1)
    jitter: float = 0.2
    pause_after: int = 3  # messages failed for good in a row
    claim_batch: int = 5
    webhook_events_per_message: int = 100
    human_events_per_message: int = 1000

    @classmethod
    def from_settings(cls) -> Policy:
        """Defaults, with the grouping window and the lease adjustable by the admin (typodesk.settings)."""
        return cls(
            group_window=timedelta(seconds=max(0, settings.TYPODESK_NOTIFY_GROUP_SECONDS)),
            lease=timedelta(seconds=max(2, settings.TYPODESK_WORKER_LEASE_SECONDS)),
        )


def backoff(attempt: int, policy: Policy, rng: random.Random | None = None) -> timedelta:
    """Delay before retry number ``attempt`` (1 = after the first failure).

    30 s, 1 min, 2, 4, 8, 16, 32 min, then every hour, each ±20 %: retries of many
    messages that failed together spread out instead of hammering a server that
    has just come back.
    """
    rng = rng or random
    base = min(policy.backoff_base * (2 ** min(attempt - 1, 20)), policy.backoff_cap)
    return base * rng.uniform(1 - policy.jitter, 1 + policy.jitter)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# 1. Grouping notifications into messages ---------------------------------------------------


def compose(now: datetime, policy: Policy) -> int:
    """Make messages of every channel's due notifications; returns how many messages were made."""
    due = (
        Notification.objects.filter(message=None, due_at__lte=now, channel__paused_at=None)
        .values_list("channel_id", "mode")
        .distinct()
    )
    made = 0
    for channel_id, mode in list(due):
        made += compose_channel(channel_id, mode, now, policy)
    return made


def compose_channel(channel_id: int, mode: str, now: datetime, policy: Policy) -> int:
    retrying = Message.objects.filter(channel_id=channel_id, status=Message.Status.PENDING, attempts__gt=0)
    if retrying.exists():
        return 0
    if mode == Notification.Mode.IMMEDIATE and policy.group_window:
        opened = (
            Channel.objects.filter(pk=channel_id)
            .filter(Q(hold_until=None) | Q(hold_until__lte=now))
            .update(hold_until=now + policy.group_window)
        )
        if not opened:
            return 0  # the window is open (or another worker just opened it): wait
    kind = Channel.objects.filter(pk=channel_id).values_list("kind", flat=True).first()
    if kind is None:
        return 0
    chunk = (
        policy.webhook_events_per_message if kind == Channel.Kind.WEBHOOK else policy.human_events_per_message
    )
    made = 0
    while True:
        with transaction.atomic():
            ids = list(
                Notification.objects.filter(channel_id=channel_id, mode=mode, message=None, due_at__lte=now)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                break
            message = Message.objects.create(
                channel_id=channel_id, mode=mode, created=now, next_attempt_at=now
            )
            attached = Notification.objects.filter(pk__in=ids, message=None).update(message=message)
            if not attached:
                message.delete()  # another worker took them between our SELECT and UPDATE
                break
            made += 1
        if len(ids) < chunk:
            break
    return made


# 2. and 3. Claiming, sending, recording ------------------------------------------------------


@dataclass
class Deliverer:
    """Delivers due messages; one per worker thread. Plug :meth:`tick` into the worker loop."""

    worker_id: str = field(default_factory=default_worker_id)
    policy: Policy = field(default_factory=Policy.from_settings)
    clock: Callable[[], datetime] = timezone.now
    stopping: Callable[[], bool] = lambda: False
    rng: random.Random = field(default_factory=random.Random)

    def tick(self) -> int:
        """Group what is due, then send up to ``claim_batch`` messages; returns the work done."""
        work = compose(self.clock(), self.policy)
        for pk in self.due_ids():
            if self.stopping():
                break
            if self.claim(pk):
                self.deliver(pk)
                work += 1
        return work

    def due_ids(self) -> list[int]:
        now = self.clock()
        return list(
            Message.objects.filter(
                status=Message.Status.PENDING, next_attempt_at__lte=now, channel__paused_at=None
            )
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[: self.policy.claim_batch]
        )

    def claim(self, pk: int) -> bool:
        """Take the message for this worker for one lease; False when someone else has it."""
        now = self.clock()
        return bool(
            Message.objects.filter(pk=pk, status=Message.Status.PENDING)
            .filter(Q(lease_until=None) | Q(lease_until__lt=now))
            .update(claimed_by=self.worker_id, lease_until=now + self.policy.lease)
        )

    def deliver(self, pk: int) -> Attempt | None:
        """Send one claimed message and record the outcome."""
        message = Message.objects.select_related("channel__site").filter(pk=pk).first()
        if message is None:
            return None  # the channel was deleted meanwhile
        items = [Item(n.event, n.data, n.created) for n in message.notifications.order_by("pk")]
        out = Outgoing(
            uid=message.uid, channel=message.channel, items=items, mode=message.mode, created=message.created
        )
        started = time.monotonic()
        outcome: Delivered | DeliveryError
        if not items:
            outcome = Delivered(result="nothing left to send")
        else:
            outcome = attempt_send(out)
        elapsed = int((time.monotonic() - started) * 1000)
        return self._record_surely(message, outcome, elapsed)

    def _record_surely(
        self, message: Message, outcome: Delivered | DeliveryError, elapsed_ms: int
    ) -> Attempt | None:
        """:meth:`record`, tried again while the database is away (restarting, its connections
        terminated) until the lease ends: the message has been sent, and an outcome not
        recorded would have it sent a second time after the lease."""
        deadline = time.monotonic() + self.policy.lease.total_seconds()
        told = False
        while True:
            try:
                return self.record(message, outcome, elapsed_ms)
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() + RECORD_RETRY >= deadline or self.stopping():
                    raise
                if not told:
                    log.warning("message %s: sent, but not recorded yet (%s); trying again", message.uid, exc)
                    told = True
                connection.close()
                time.sleep(RECORD_RETRY)

    def record(self, message: Message, outcome: Delivered | DeliveryError, elapsed_ms: int) -> Attempt | None:
        now = self.clock()
        channel = message.channel
        mine = Message.objects.filter(pk=message.pk, claimed_by=self.worker_id)
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    channel=channel,
                    message=message,
                    at=now,
                    duration_ms=elapsed_ms,
                    ok=isinstance(outcome, Delivered),
                    permanent=isinstance(outcome, DeliveryError) and outcome.permanent,
                    result=outcome.result[:200],
                    error=outcome.error if isinstance(outcome, DeliveryError) else outcome.warning,
                    worker=self.worker_id[:100],
                )
                if isinstance(outcome, Delivered):
                    updated = mine.update(
                        status=Message.Status.SENT,
                        sent_at=now,
                        attempts=F("attempts") + 1,
                        lease_until=None,
                        last_error="",
                    )
                    Channel.objects.filter(pk=channel.pk).update(
                        last_success_at=now,
                        failures=0,
                        last_error=outcome.warning,
                        last_error_at=now if outcome.warning else None,
                    )
                else:
                    updated = self._record_failure(message, mine, outcome, now)
        except IntegrityError:
            return None  # the channel was deleted while we were sending
        if not updated:
            log.warning("message %s: lease lost before the result was recorded", message.uid)
        return attempt

    def _record_failure(self, message: Message, mine, outcome: DeliveryError, now: datetime) -> int:
        channel = message.channel
        retry_since = message.retry_since or now
        gave_up = not outcome.permanent and now - retry_since >= self.policy.retry_for
        if outcome.permanent or gave_up:
            error = outcome.error
            if gave_up:
                hours = self.policy.retry_for.total_seconds() / 3600
                error = f"gave up after retrying for {hours:g} hours: {outcome.error}"
            updated = mine.update(
                status=Message.Status.FAILED,
                attempts=F("attempts") + 1,
                lease_until=None,
                last_error=error,
                retry_since=retry_since,
            )
            failures = channel.failures + 1
            changes: dict = {"last_error": error, "last_error_at": now, "failures": F("failures") + 1}
            if gave_up or failures >= self.policy.pause_after:
                reason = (
                    error
                    if gave_up
                    else f"{failures} messages in a row failed for good; the last error: {outcome.error}"
                )
                changes.update(paused_at=now, paused_reason=reason)
            Channel.objects.filter(pk=channel.pk).update(**changes)
            return updated
        delay = backoff(message.attempts + 1, self.policy, self.rng)
        if outcome.retry_after:
            delay = max(delay, timedelta(seconds=outcome.retry_after))
        updated = mine.update(
            attempts=F("attempts") + 1,
            lease_until=None,
            next_attempt_at=now + delay,
            retry_since=retry_since,
            last_error=outcome.error,
        )
        Channel.objects.filter(pk=channel.pk).update(last_error=outcome.error, last_error_at=now)
        return updated


def attempt_send(out: Outgoing) -> Delivered | DeliveryError:
    """One try through the channel's transport; never raises."""
    try:
        return transport_for(out.channel).send(out)
    except DeliveryError as exc:
        return exc
    except Exception as exc:
        log.exception("delivering %s to channel %s failed unexpectedly", out.uid, out.channel.pk)
        return DeliveryError(f"internal error: {type(exc).__name__}: {exc}", result="internal error")


# The desk's actions --------------------------------------------------------------------------


def send_test(channel: Channel, worker: str = "desk") -> Attempt:
    """Send a test message now, from the web request, and record it: the owner sees the real result."""
    started = time.monotonic()
    out = Outgoing(
        uid="test_" + new_uid()[4:], channel=channel, items=[], mode="test", created=timezone.now()
    )
    outcome = attempt_send(out)
    return Attempt.objects.create(
        channel=channel,
        test=True,
        at=timezone.now(),
        duration_ms=int((time.monotonic() - started) * 1000),
        ok=isinstance(outcome, Delivered),
        permanent=isinstance(outcome, DeliveryError) and outcome.permanent,
        result=outcome.result[:200],
        error=outcome.error if isinstance(outcome, DeliveryError) else outcome.warning,
        worker=worker,
    )


def resume(channel: Channel, now: datetime | None = None) -> int:
    """Unpause a channel and queue its failed messages again; returns how many were re-queued.

    Nothing is dropped: what failed while the target was broken goes out once the
    owner has fixed it and pressed resume.
    """
    now = now or timezone.now()
    with transaction.atomic():
        Channel.objects.filter(pk=channel.pk).update(
            paused_at=None, paused_reason="", failures=0, last_error="", last_error_at=None
        )
        requeued = Message.objects.filter(channel=channel, status=Message.Status.FAILED).update(
            status=Message.Status.PENDING,
            attempts=0,
            retry_since=None,
            next_attempt_at=now,
            lease_until=None,
            claimed_by="",
        )
        # Messages still waiting for a retry go now rather than at the end of their backoff.
        Message.objects.filter(channel=channel, status=Message.Status.PENDING).update(next_attempt_at=now)
    return requeued


def pause(channel: Channel, reason: str, now: datetime | None = None) -> None:
    Channel.objects.filter(pk=channel.pk).update(paused_at=now or timezone.now(), paused_reason=reason)
