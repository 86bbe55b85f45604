"""SIGKILL of ``typodesk worker`` in the middle of sending notifications.

A real ``typodesk serve`` takes reports of new mistakes while a real ``typodesk worker`` sends
their notifications to a real SMTP server and a real webhook receiver (tests/notify/receivers.py),
both slow to answer, so that most kills land while a mail or a POST is on its way. The worker is
killed KILLS times and started again. A message whose send was cut is sent again after its lease
with the same identity (the mail's Message-ID, the webhook's ``webhook-id``), which is how a
receiver recognises a repeat: what must hold is that every notification is in exactly one
message, every message reaches its receiver, and none reaches it under two identities.
"""

from __future__ import annotations

import json
import random
import re
import signal
import time
from collections import Counter

import pytest

from tests.conftest import free_port
from tests.faults.common import post, report_body, spawn, wait_healthy
from tests.notify.receivers import HttpReceiver, SmtpServer, wait_for

pytestmark = pytest.mark.slow

KILLS = 5
LEASE = 3  # seconds (TYPODESK_WORKER_LEASE_SECONDS): how soon a cut send is tried again


def state(install) -> dict:
    """Notifications and messages as the database has them."""
    out = install.run(
        "manage",
        "shell",
        "--no-imports",
        "-c",
        """
import json
from typodesk.notify.models import Message, Notification
print("STATE " + json.dumps({
    "notifications": Notification.objects.count(),
    "unsent": Notification.objects.exclude(message__status="sent").count(),
    "messages": {kind: sorted(Message.objects.filter(status="sent", channel__kind=kind).values_list("uid", flat=True))
                 for kind in ("email", "webhook")},
    "failed": Message.objects.exclude(status__in=["sent", "pending"]).count(),
}))
""",
    ).stdout
    return json.loads([line[6:] for line in out.splitlines() if line.startswith("STATE ")][-1])


def test_each_notification_is_delivered_once_although_the_worker_is_killed(install):
    smtp = SmtpServer(delay=0.4).start()
    receiver = HttpReceiver().start()
    receiver.delay = 0.4
    install.env.update(
        TYPODESK_RATE_BURST="1000000",
        TYPODESK_EMAIL_URL=f"smtp://127.0.0.1:{smtp.port}",
        TYPODESK_ALLOW_PRIVATE_TARGETS="true",
        TYPODESK_FETCH_FIRST_DELAY="3600",
        TYPODESK_NOTIFY_GROUP_SECONDS="0",
        TYPODESK_WORKER_LEASE_SECONDS=str(LEASE),
    )
    install.run("init")
    key = install.add_site(
        "news.example", webhook=f"{receiver.url}/hook", email="editor@news.example", events=("new",)
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    wait_healthy(base, spawn(install, "serve", "serve", "--port", str(port)))

    rnd = random.Random(5)
    reports = 0

    def new_mistakes(n: int) -> None:
        nonlocal reports
        for _ in range(n):
            reports += 1
            body = report_body(key, f"https://news.example/story-{reports}", f"r{reports}", rnd)
            assert post(base + "/api/v1/reports", body)[0] == 201

    killed = 0
    try:
        for _ in range(KILLS):
            worker = spawn(install, "worker", "worker")
            receiver.started.clear()
            new_mistakes(3)
            wait_for(receiver.started.is_set, timeout=30)  # a webhook is on its way
            time.sleep(rnd.uniform(0.0, 1.0))  # in the webhook's answer, the mail's, or between
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            killed += 1
        new_mistakes(3)
        worker = spawn(install, "worker", "worker")
        wait_for(lambda: state(install)["unsent"] == 0, timeout=60, interval=1.0)
        now = state(install)
    finally:
        smtp.stop()
        receiver.stop()

    hooks = Counter(r.headers["webhook-id"] for r in receiver.received())
    mails = Counter(re.search(r"<([^@>]+)@", m.message["Message-ID"]).group(1) for m in smtp.mails)
    repeats = sum(n - 1 for n in hooks.values()) + sum(n - 1 for n in mails.values())
    print(
        f"kills {killed}, reports {reports}, notifications {now['notifications']}, messages sent "
        f"{len(now['messages']['webhook'])} webhook + {len(now['messages']['email'])} mail, received "
        f"{sum(hooks.values())} webhook POSTs + {len(smtp.mails)} mails, repeats of one identity {repeats}"
    )
    assert worker.poll() is None
    assert now["failed"] == 0
    assert now["notifications"] == 2 * reports, "a report's notification is missing"
    assert sorted(hooks) == now["messages"]["webhook"], "a webhook message was lost or sent under two ids"
    assert sorted(mails) == now["messages"]["email"], "a mail was lost or sent under two Message-IDs"
    # One send at a time: a kill can cut at most the one in progress, which is then repeated.
    assert repeats <= killed
