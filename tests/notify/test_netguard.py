"""The private-address guard holds for every Apprise service typodesk sends to, whatever a
name resolves to, and for sockets that are handed a host name instead of an address.

Every allowed scheme is sent a test with DNS answering 127.0.0.1 for every name and every
port (what a rebinding or poisoned resolver would say): a TCP listener on that loopback port
must see no connection. The same send with private targets allowed does reach the listener,
so each URL is one its plugin really sends to.
"""

from __future__ import annotations

import re
import socket
import threading

import pytest

from typodesk.net import netguard
from typodesk.notify.delivery import send_test
from typodesk.notify.targets import APPRISE_SCHEMES, apprise_url_problem

pytestmark = pytest.mark.django_db

HOST = "rebound.example"
SAMPLES = {
    "tgram": "tgram://123456789:AAEhBOweik6ad9r_QXMENQjcrGbqCr4K-bs/-1001234567890",
    "slack": "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
    "discord": "discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js",
    "workflow": f"workflow://{HOST}:8443/abcdef0123456789abcdef0123456789/sig0123456789abcdef0123456789ab",
    "workflows": f"workflows://{HOST}/abcdef0123456789abcdef0123456789/sig0123456789abcdef0123456789ab",
    "gchat": "gchat://AAAAxxxxxx/AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI/O5kPx0GcY9j5sy2ysk0TuB1Xrv7PXPuB",
    "wxteams": "wxteams://" + "a" * 80,
    "webex": "webex://" + "b" * 80,
    "zulip": "zulip://bot@org/abcdefghijklmnopqrstuvwxyz123456/stream",
    "pover": "pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi",
    "pbul": "pbul://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b",
    "matrix": f"matrix://user:pass@{HOST}/!room:{HOST}",
    "matrixs": f"matrixs://user:pass@{HOST}/!room:{HOST}",
    "ntfy": f"ntfy://{HOST}/topic",
    "ntfys": f"ntfys://{HOST}/topic",
    "mmost": f"mmost://{HOST}/abcdefghijklmnopqrstuvwxyz",
    "mmosts": f"mmosts://{HOST}/abcdefghijklmnopqrstuvwxyz",
    "rocket": f"rocket://user:pass@{HOST}/#general",
    "rockets": f"rockets://user:pass@{HOST}/#general",
    "gotify": f"gotify://{HOST}/token1234567",
    "gotifys": f"gotifys://{HOST}/token1234567",
    "signal": f"signal://{HOST}/+12345678901/+12345678902",
    "signals": f"signals://{HOST}/+12345678901/+12345678902",
    "json": f"json://{HOST}/x",
    "jsons": f"jsons://{HOST}/x",
    "form": f"form://{HOST}/x",
    "forms": f"forms://{HOST}/x",
    "xml": f"xml://{HOST}/x",
    "xmls": f"xmls://{HOST}/x",
}


class Listener:
    """Counts TCP connections and UDP datagrams on one loopback port."""

    def __init__(self):
        self.tcp = socket.socket()
        self.tcp.bind(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.tcp.listen(16)
        self.tcp.settimeout(0.2)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.udp.settimeout(0.2)
        self.connections = 0
        self.datagrams: list[bytes] = []
        self.stopping = False
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._accept, self._receive)]
        for t in self.threads:
            t.start()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def _receive(self):
        while not self.stopping:
            try:
                self.datagrams.append(self.udp.recv(65536))
            except OSError:
                continue

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join()
        self.tcp.close()
        self.udp.close()


@pytest.fixture
def listener():
    lis = Listener()
    yield lis
    lis.stop()


@pytest.fixture
def rebound_dns(monkeypatch, listener):
    """Every name, whatever port was asked for, resolves to the listener on 127.0.0.1."""
    real = netguard._original_getaddrinfo

    def resolve(host, port, family=0, type=0, proto=0, flags=0):
        return real("127.0.0.1", listener.port, socket.AF_INET, type, proto, flags)

    monkeypatch.setattr(netguard, "_original_getaddrinfo", resolve)
    # The control send (private targets allowed) runs outside the guard: it must ask the same
    # resolver. The wrapper asks it, and passes every answer through when no guard is active.
    monkeypatch.setattr(socket, "getaddrinfo", netguard._guarded_getaddrinfo)
    return listener


def test_every_allowed_scheme_has_a_sample():
    assert set(SAMPLES) == set(APPRISE_SCHEMES)


@pytest.mark.parametrize("scheme", sorted(APPRISE_SCHEMES))
def test_each_allowed_service_is_guarded_whatever_its_name_resolves_to(
    scheme, make_channel, rebound_dns, settings
):
    channel = make_channel("apprise", SAMPLES[scheme], name=scheme)

    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True  # the control: this URL does connect
    send_test(channel)
    assert rebound_dns.connections >= 1, f"{scheme}: the sample URL never connected"

    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = False
    before = rebound_dns.connections
    attempt = send_test(channel)
    assert not attempt.ok and attempt.permanent and attempt.result == "private address refused", (
        scheme,
        attempt.result,
        attempt.error,
    )
    assert rebound_dns.connections == before


@pytest.mark.parametrize(
    "url",
    [
        "rsyslog://{name}:{port}",
        "syslog://",
        "mqtt://{name}:{port}/topic",
        "xmpp://user:pass@{name}:{port}",
        "mailto://user:pass@{name}:{port}",
        "growl://{name}:{port}",
        "dbus://",
        "https://{name}:{port}/",
    ],
)
def test_other_services_are_refused_when_saved_and_when_sent(url, make_channel, listener, settings):
    url = url.format(name=socket.gethostname(), port=listener.port)
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True  # not even the admin's switch lets these through
    assert "not a service typodesk sends to" in apprise_url_problem(url)
    attempt = send_test(make_channel("apprise", url))  # e.g. saved before the list existed
    assert attempt.permanent and attempt.result == "service not allowed"
    assert "not a service typodesk sends to" in attempt.error
    assert listener.connections == 0 and listener.datagrams == []


def test_a_self_hosted_service_on_a_name_for_loopback_is_refused_when_saved(listener):
    name = socket.gethostname()
    assert {i[4][0] for i in socket.getaddrinfo(name, None)} <= {"127.0.0.1", "::1"}, (
        "this test needs the machine's name to resolve to loopback (/etc/hosts)"
    )
    for scheme, (_label, own_host) in APPRISE_SCHEMES.items():
        if own_host and scheme != "zulip":
            url = re.sub(rf"{HOST}(:\d+)?", f"{name}:{listener.port}", SAMPLES[scheme], count=1)
            assert "private, loopback or link-local" in (apprise_url_problem(url) or ""), url


def test_a_socket_given_a_name_is_checked_too(listener):
    """rsyslog's kind of plugin: ``sendto(data, (name, port))`` resolves in C, past getaddrinfo."""
    name = socket.gethostname()
    with netguard.guarded() as guard:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        with pytest.raises(netguard.BlockedTarget):
            udp.sendto(b"<14>a reader's quote", (name, listener.port))
        with pytest.raises(netguard.BlockedTarget):
            udp.sendto(b"<14>a reader's quote", 0, ("127.0.0.1", listener.port))
        with pytest.raises(netguard.BlockedTarget):
            udp.sendmsg([b"<14>a reader's quote"], [], 0, (name, listener.port))
        udp.close()
        tcp = socket.socket()
        with pytest.raises(netguard.BlockedTarget):
            tcp.connect((name, listener.port))
        with pytest.raises(netguard.BlockedTarget):
            tcp.connect_ex(("::ffff:127.0.0.1", listener.port))
        tcp.close()
    assert guard["blocked"]
    # Outside the guard the same socket calls work: nothing else in the server is affected.
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.sendto(b"outside", (name, listener.port))
    udp.close()
    threading.Event().wait(0.5)
    assert listener.datagrams == [b"outside"] and listener.connections == 0


def test_a_webhook_is_guarded_whatever_its_name_resolves_to(make_channel, rebound_dns, settings):
    """The other kind of channel that connects where an owner says: the same guard, the same proof."""
    channel = make_channel("webhook", f"https://{HOST}/hook")
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True
    send_test(channel)
    assert rebound_dns.connections >= 1
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = False
    before = rebound_dns.connections
    attempt = send_test(channel)
    assert attempt.permanent and attempt.result == "private address refused"
    assert rebound_dns.connections == before


def test_a_second_url_after_an_allowed_one_is_not_sent_to(make_channel, listener, settings):
    """Apprise reads "json://…, rsyslog://…" as two URLs; typodesk sends to the first service only."""
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True  # no address guard: only the list of services
    both = f"json://127.0.0.1:{listener.port}/x, rsyslog://127.0.0.1:{listener.port}"
    assert "no spaces" in apprise_url_problem(both)
    send_test(make_channel("apprise", both))  # saved some other way
    threading.Event().wait(0.5)
    assert listener.connections >= 1  # the JSON POST
    assert listener.datagrams == []  # and no syslog packet
