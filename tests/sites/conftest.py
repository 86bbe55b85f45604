"""People on sites: an owner, an editor, a viewer and an outsider; a real SMTP server."""

from __future__ import annotations

import pytest

from tests.notify.receivers import SmtpServer

PASSWORD = "a-long-test-password"


@pytest.fixture
def owner(make_user):
    return make_user("owner@news.example")


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def viewer(make_user):
    return make_user("viewer@news.example")


@pytest.fixture
def outsider(make_user):
    return make_user("outsider@other.example")


@pytest.fixture
def site(make_site, owner, editor, viewer):
    return make_site(
        name="News Example",
        domains=("news.example",),
        members=[(owner, "owner"), (editor, "editor"), (viewer, "viewer")],
    )


@pytest.fixture
def other_site(make_site, outsider):
    return make_site(name="Other Paper", domains=("other.example",), members=[(outsider, "owner")])


@pytest.fixture
def smtp(settings):
    server = SmtpServer().start()
    # pytest-django swaps in the in-memory backend; these tests want the real SMTP conversation.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "typodesk@desk.example"
    settings.BASE_URL = "https://desk.example"
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_buckets():
    """Login throttling remembers empty buckets in the process; no test sees another's."""
    from typodesk.ingest import ratelimit

    ratelimit.reset_local()
    yield
    ratelimit.reset_local()


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    """Argon2 is slow by design; these tests check who may do what, not the hash (tests/desk does)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
