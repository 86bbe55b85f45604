"""Fixtures of the notification tests: a site with an owner, channels, real receivers, a clock."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.notify.receivers import HttpReceiver, SmtpServer
from typodesk.findings.services import Quote, record_report


@pytest.fixture
def owner(make_user):
    return make_user("owner@news.example")


@pytest.fixture
def site(make_site, owner):
    return make_site(name="News Example", members=[(owner, "owner")])


def report(site, exact="teh", start=7, *, url=None, prefix="It was ", suffix=" best of times", **kw):
    """A reader's report, through the same service the API uses."""
    return record_report(
        site,
        url=url or f"https://{site.hosts()[0]}/story",
        quote=Quote(exact, prefix, suffix, start, start + len(exact)),
        title=kw.pop("title", "A story"),
        **kw,
    )


@pytest.fixture
def allow_private(settings):
    """The test receivers listen on 127.0.0.1, which the guard refuses unless allowed."""
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "typodesk@desk.example"
    settings.BASE_URL = "https://desk.example"
    yield server
    server.stop()


@pytest.fixture
def receiver(settings):
    settings.BASE_URL = "https://desk.example"
    r = HttpReceiver().start()
    yield r
    r.stop()


class Clock:
    """The deliverer's idea of now, moved by the test instead of waiting."""

    def __init__(self):
        self.now = timezone.now() + timedelta(seconds=1)

    def __call__(self):
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def deliverer(clock):
    from typodesk.notify.delivery import Deliverer, Policy

    return Deliverer(worker_id="test-worker", policy=Policy(), clock=clock, rng=random.Random(7))


def drain(deliverer, rounds: int = 50) -> int:
    """Tick until nothing is left to do now; returns the work done."""
    total = 0
    for _ in range(rounds):
        done = deliverer.tick()
        if not done:
            return total
        total += done
    raise AssertionError("the deliverer never ran out of work")


@pytest.fixture
def make_channel(site, owner):
    from typodesk.notify.models import Channel, Subscription, new_webhook_secret

    def make(kind="webhook", target=None, events=None, **kw):
        if kind == "webhook" and "secret" not in kw:
            kw["secret"] = new_webhook_secret()
        return Channel.objects.create(
            site=kw.pop("site", site),
            kind=kind,
            name=kw.pop("name", f"{kind} channel"),
            target=target,
            events=events or list(Subscription.values),
            created_by=owner,
            **kw,
        )

    return make
