"""Parsing ``TYPODESK_EMAIL_URL`` into SMTP settings.

One URL instead of five variables (host, port, user, password, TLS mode)
because that is how admins already hold database and SMTP credentials, and a
single value is harder to get half-wrong. Imported by settings.py, so this
module must not import Django models.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from typodesk.conf import ConfigError

# scheme -> (TLS mode, default port)
SCHEMES = {
    "smtp": ("", 25),
    "smtp+tls": ("starttls", 587),
    "smtp+starttls": ("starttls", 587),
    "smtps": ("ssl", 465),
    "smtp+ssl": ("ssl", 465),
}
DEFAULT_TIMEOUT = 20


def parse_email_url(url: str) -> dict:
    """``smtp+tls://user:pass@host:587?timeout=20`` → host, port, username, password, tls, timeout.

    An empty URL means "e-mail is not configured": the host is empty, and
    e-mail channels wait (and say so in the desk) instead of failing for good.
    """
    empty = {"host": "", "port": 25, "username": "", "password": "", "tls": "", "timeout": DEFAULT_TIMEOUT}
    if not url:
        return empty
    hint = "TYPODESK_EMAIL_URL must look like smtp+tls://user:password@smtp.example:587"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"{hint} ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        raise ConfigError(f"{hint}; schemes: {', '.join(SCHEMES)}")
    tls, default_port = SCHEMES[scheme]
    query = parse_qs(parts.query)
    timeout = DEFAULT_TIMEOUT
    if "timeout" in query:
        try:
            timeout = int(query["timeout"][-1])
        except ValueError:
            raise ConfigError("TYPODESK_EMAIL_URL: timeout must be a whole number of seconds") from None
    return {
        "host": parts.hostname,
        "port": port or default_port,
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "tls": tls,
        "timeout": timeout,
    }


def default_from(base_url: str) -> str:
    """``typodesk@<desk host>``: a plausible sender until the admin sets TYPODESK_EMAIL_FROM."""
    host = urlsplit(base_url).hostname or "localhost"
    if not any(c.isalpha() for c in host) or "." not in host:
        host = "localhost"
    return f"typodesk@{host}"
