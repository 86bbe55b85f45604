"""Keeping webhook and Apprise targets off private networks (SSRF).

A site owner types a URL and typodesk's server connects to it. Without a guard
an owner could make it talk to the admin's database, a cloud metadata service
(169.254.169.254) or anything else only the server can reach, and read the
answers in the delivery log.

Checking the host name once when the URL is saved is not enough: DNS can answer
differently at send time (rebinding), and a redirect can point anywhere. So the
check happens at the one moment that matters, when a socket is about to be
opened: ``socket.getaddrinfo`` is wrapped once per process, and while a
delivery runs inside :func:`guarded` every address it resolves to must be
public. Redirects, retries and every Apprise plugin that uses Python sockets
(HTTP through requests, SMTP, …) pass through it. A library that hands a host
name straight to a socket (``sock.sendto(data, ("name", 514))`` resolves in C,
past ``getaddrinfo``) is caught one step later: ``connect``, ``connect_ex``,
``sendto`` and ``sendmsg`` of Python's socket class check the address too, resolve a name
themselves and connect to the public address they checked, so a second DNS
answer cannot differ from the first. The guard is switched on
through a context variable, so other threads (the web server in
``serve --with-worker``, the database driver, the SMTP connection to the
admin's own relay) are not affected; Apprise copies context variables into the
threads it starts, so its parallel sends are guarded too.
"""

from __future__ import annotations

import _socket
import contextvars
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from django.conf import settings

_original_getaddrinfo = socket.getaddrinfo
_active: contextvars.ContextVar[dict | None] = contextvars.ContextVar("typodesk_netguard", default=None)
_install_lock = threading.Lock()
_installed = False


class BlockedTarget(OSError):
    """Raised instead of connecting to a private address; a permanent delivery failure."""


def allowed_private() -> bool:
    return bool(getattr(settings, "TYPODESK_ALLOW_PRIVATE_TARGETS", False))


def is_public(address: str) -> bool:
    """True for addresses on the public internet; False for loopback, private, link-local, …"""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _guarded_getaddrinfo(host, port, *args, **kwargs):
    results = _original_getaddrinfo(host, port, *args, **kwargs)
    state = _active.get()
    if state is None:
        return results
    public = [r for r in results if is_public(r[4][0])]
    if not public:
        state["blocked"] = str(host)
        raise BlockedTarget(f"{host} is a private, loopback or link-local address; refused")
    return public


_INET = (socket.AF_INET, socket.AF_INET6)
_base_connect = _socket.socket.connect
_base_connect_ex = _socket.socket.connect_ex
_base_sendto = _socket.socket.sendto
_base_sendmsg = getattr(_socket.socket, "sendmsg", None)  # not on Windows


def _checked(sock, address):
    """``address`` for ``sock`` if it may be used inside :func:`guarded`, with a host name
    replaced by the public address it resolves to; raises :class:`BlockedTarget` otherwise."""
    state = _active.get()
    if state is None or sock.family not in _INET or not isinstance(address, tuple) or not address:
        return address
    host, rest = address[0], address[1:]
    if isinstance(host, bytes):
        host = host.decode("idna")
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        pass
    else:
        if is_public(str(host)):
            return address
        state["blocked"] = str(host)
        raise BlockedTarget(f"{host} is a private, loopback or link-local address; refused")
    infos = _original_getaddrinfo(host, rest[0] if rest else None, sock.family, sock.type)
    public = [i for i in infos if is_public(i[4][0])]
    if not public:
        state["blocked"] = str(host)
        raise BlockedTarget(f"{host} is a private, loopback or link-local address; refused")
    return (public[0][4][0], *rest)


def _guarded_connect(self, address):
    return _base_connect(self, _checked(self, address))


def _guarded_connect_ex(self, address):
    return _base_connect_ex(self, _checked(self, address))


def _guarded_sendto(self, data, *args):
    if args:
        args = (*args[:-1], _checked(self, args[-1]))
    return _base_sendto(self, data, *args)


def _guarded_sendmsg(self, buffers, ancdata=(), flags=0, address=None):
    if address is None:
        return _base_sendmsg(self, buffers, ancdata, flags)
    return _base_sendmsg(self, buffers, ancdata, flags, _checked(self, address))


def _install() -> None:
    global _installed
    with _install_lock:
        if not _installed:
            socket.getaddrinfo = _guarded_getaddrinfo
            socket.socket.connect = _guarded_connect
            socket.socket.connect_ex = _guarded_connect_ex
            socket.socket.sendto = _guarded_sendto
            if _base_sendmsg is not None:
                socket.socket.sendmsg = _guarded_sendmsg
            _installed = True


@contextmanager
def guarded() -> Iterator[dict]:
    """Refuse connections to non-public addresses inside the block, unless the admin allows them.

    Yields a dict whose ``blocked`` key names the refused host, so that callers can
    tell a refused target from any other connection error a library wrapped it in.
    """
    state: dict = {}
    if allowed_private():
        yield state
        return
    _install()
    token = _active.set(state)
    try:
        yield state
    finally:
        _active.reset(token)


def check_host(host: str | None) -> str | None:
    """Why ``host`` may not be used as a target (None when it may), resolving it now.

    For messages at the time a URL is saved or tested; the real enforcement is
    :func:`guarded` at connection time.
    """
    if allowed_private():
        return None
    if not host:
        return "the URL has no host"
    try:
        infos = _original_getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None  # unknown today; delivery will retry and the guard still applies then
    if not any(is_public(i[4][0]) for i in infos):
        return f"{host} is a private, loopback or link-local address"
    return None


def check_url(url: str) -> str | None:
    try:
        return check_host(urlsplit(url).hostname)
    except ValueError:
        return "not a valid URL"
