"""The login throttle against concurrency, through a real server: 20 wrong passwords (or
second-factor codes) sent at the same moment meet a limit of 10, then 1 a minute, and at most
10 of them are checked. The same for the current password of the password-change form, one
try after another. With the buckets in the database (SQLite, or PostgreSQL when DATABASE_URL
is set) and in Redis (TYPODESK_REDIS_URL; a Redis server on 127.0.0.1:6379).
"""

from __future__ import annotations

import re
import secrets
import threading

import pytest

from tests.security.served import PASSWORD, csrf_of, login_attempt, serve

pytestmark = pytest.mark.slow
REDIS = "redis://127.0.0.1:6379/0"
BURST = 10
AT_ONCE = 20


@pytest.fixture(scope="module", params=["database", "redis"])
def served(request, tmp_path_factory):
    """A served instance on a database of its own (own_database: PostgreSQL when DATABASE_URL is set)."""
    env = {}
    if request.param == "redis":
        import redis

        try:
            redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
        except redis.RedisError as exc:
            pytest.fail(f"these tests need Redis at {REDIS}: {exc}")
        env = {"TYPODESK_REDIS_URL": REDIS, "TYPODESK_REDIS_PREFIX": f"typodesk-test-{secrets.token_hex(4)}:"}
    yield from serve(tmp_path_factory.mktemp(f"race-{request.param}"), **env)


def at_once(n: int, send) -> list[int]:
    """Call ``send(i)`` from ``n`` threads released together; their HTTP statuses."""
    barrier = threading.Barrier(n)
    statuses: list[int] = [0] * n

    def run(i: int) -> None:
        prepared = send(i, None)
        barrier.wait()
        statuses[i] = send(i, prepared)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def new_user(served, email: str, *, two_factor: str | None = None) -> None:
    served.install.run("createuser", email, "--password-stdin", input=PASSWORD + "\n")
    if two_factor:
        served.install.run(
            "manage",
            "shell",
            "-c",
            "from typodesk.accounts import totp; from typodesk.accounts.models import TOTPDevice, User; "
            f"u = User.objects.get(email='{email}'); "
            f"TOTPDevice.objects.create(user=u, secret='{two_factor}', confirmed=True); "
            "totp.new_recovery_codes(u)",
        )


def test_twenty_wrong_passwords_at_once_are_not_all_checked(served):
    email = f"race-{secrets.token_hex(3)}@news.example"
    new_user(served, email)

    def send(i, prepared):
        if prepared is None:
            client = served.client("127.0.0.2")
            return client, csrf_of(client, "/desk/login/")
        client, token = prepared
        r = client.post(
            "/desk/login/",
            data={"username": email, "password": f"wrong-{i}", "csrfmiddlewaretoken": token},
            headers={"Referer": served.base + "/desk/login/"},
        )
        return r.status_code

    statuses = at_once(AT_ONCE, send)
    checked = statuses.count(200)
    assert statuses.count(429) == AT_ONCE - checked, statuses
    assert checked <= BURST, f"{checked} of {AT_ONCE} wrong passwords were checked: {statuses}"
    # And now even the right password waits.
    assert login_attempt(served.client("127.0.0.9"), email, PASSWORD).status_code == 429


def test_twenty_wrong_codes_at_once_are_not_all_checked(served):
    email = f"code-{secrets.token_hex(3)}@news.example"
    new_user(served, email, two_factor="JBSWY3DPEHPK3PXP" * 2)
    client = served.client("127.0.0.3")
    r = login_attempt(client, email, PASSWORD)
    assert r.status_code == 302 and r.headers["location"].endswith("/desk/login/code/")
    token = csrf_of(client, "/desk/login/code/")

    def send(i, prepared):
        if prepared is None:
            return True
        r = client.post(
            "/desk/login/code/",
            # Guesses at a recovery code (each is looked up in the database, as the attacker's were).
            data={"code": f"zzzz-zzzz-{i:04d}", "csrfmiddlewaretoken": token},
            headers={"Referer": served.base + "/desk/login/code/"},
        )
        return r.status_code

    statuses = at_once(AT_ONCE, send)
    checked = statuses.count(200)
    assert statuses.count(429) == AT_ONCE - checked, statuses
    assert checked <= BURST, f"{checked} of {AT_ONCE} wrong codes were checked: {statuses}"


def test_the_current_password_of_a_password_change_is_throttled(served):
    email = f"change-{secrets.token_hex(3)}@news.example"
    new_user(served, email)
    desk = served.login(email, PASSWORD, address="127.0.0.4")
    page = "/desk/account/password/"
    token = csrf_of(desk, page)

    def change(old: str):
        return desk.post(
            page,
            data={
                "old_password": old,
                "new_password1": "a-new-password-for-tests",
                "new_password2": "a-new-password-for-tests",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": served.base + page},
        )

    statuses = [change(f"guess-{i}").status_code for i in range(15)]
    assert statuses[:BURST] == [200] * BURST, statuses
    assert statuses[BURST:] == [429] * (15 - BURST), statuses
    r = change(PASSWORD)  # the attacker's sixteenth try, right this time: still refused
    assert r.status_code == 429 and re.search(r"Too many failed attempts. Try again in \d+ minute", r.text)
    assert login_attempt(served.client("127.0.0.5"), email, PASSWORD).status_code == 429  # the account waits
