"""The SSRF by syslog, as the attacker did it against a running server: a site owner saves an
Apprise ``rsyslog://NAME:PORT`` channel where NAME resolves to 127.0.0.1 (the form refused
the IP literal, not the name) and presses *Send test*; UDP packets went to loopback.

Now the desk refuses the URL, and a channel that is in the database all the same (saved
before the list of services existed) is refused again when it is sent: the UDP listener on
loopback receives nothing.
"""

from __future__ import annotations

import re
import socket

import pytest

from tests.security.served import csrf_of, serve


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A served instance on a database of its own (own_database: PostgreSQL when DATABASE_URL is set)."""
    yield from serve(tmp_path_factory.mktemp("ssrf"))


@pytest.fixture
def udp():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(1.0)
    yield sock
    sock.close()


def received(sock) -> list[bytes]:
    got = []
    try:
        while True:
            got.append(sock.recv(65536))
    except TimeoutError:
        return got


def loopback_name() -> str:
    """A name other than "localhost" that resolves to loopback: the machine's own name."""
    name = socket.gethostname()
    addresses = {i[4][0] for i in socket.getaddrinfo(name, None)}
    assert addresses <= {"127.0.0.1", "::1"}, f"{name} resolves to {addresses}, not to loopback"
    return name


def test_rsyslog_to_a_name_for_loopback_is_refused_when_saved_and_when_tested(served, udp):
    target = f"rsyslog://{loopback_name()}:{udp.getsockname()[1]}"
    desk = served.login()
    new = f"/desk/sites/{served.key}/notifications/new/apprise/"
    r = desk.post(
        new,
        data={"name": "logs", "url": target, "events": "new", "csrfmiddlewaretoken": csrf_of(desk, new)},
        headers={"Referer": served.base + new},
    )
    assert r.status_code == 400, r.status_code
    assert "rsyslog:// is not a service typodesk sends to" in r.text

    # A channel in the database all the same: pressing Send test sends nothing.
    pk = served.install.run(
        "manage",
        "shell",
        "-c",
        "from typodesk.notify.models import Channel; from typodesk.sites.models import Site; "
        f"print(Channel.objects.create(site=Site.objects.get(), kind='apprise', name='logs', "
        f"target='{target}', events=['new']).pk)",
    ).stdout.split()[-1]
    page = f"/desk/sites/{served.key}/notifications/{pk}/"
    r = desk.post(
        page + "test/",
        data={"csrfmiddlewaretoken": csrf_of(desk, page)},
        headers={"Referer": served.base + page},
    )
    assert r.status_code == 302
    html = desk.get(page).text
    assert re.search(
        r"Test failed \(service not allowed\): Apprise&#x27;s rsyslog:// is not a service", html
    ), html
    assert received(udp) == []
