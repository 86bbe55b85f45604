"""``TYPODESK_REQUIRE_OWNER_2FA=1`` covers every surface a logged-in session reaches, through a
real server: an instance admin without two-factor authentication cannot make another user a
superuser in the Django admin (the attacker did), nor use the desk; the API ignores the session.
"""

from __future__ import annotations

import pytest

from tests.security.served import PASSWORD, serve

ADMIN = "admin@news.example"
VICTIM = "victim@news.example"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A served instance on a database of its own (own_database: PostgreSQL when DATABASE_URL is set)."""
    yield from serve(tmp_path_factory.mktemp("admin2fa"), TYPODESK_REQUIRE_OWNER_2FA="1")


def shell(served, code: str) -> str:
    return served.install.run("manage", "shell", "-c", code).stdout.split()[-1]


def is_superuser(served, email: str) -> str:
    return shell(
        served,
        f"from typodesk.accounts.models import User; print(User.objects.get(email='{email}').is_superuser)",
    )


def test_an_admin_without_two_factor_cannot_make_a_superuser_in_the_admin(served):
    served.install.run("createuser", ADMIN, "--admin", "--password-stdin", input=PASSWORD + "\n")
    served.install.run("createuser", VICTIM, "--password-stdin", input=PASSWORD + "\n")
    pk = shell(
        served, f"from typodesk.accounts.models import User; print(User.objects.get(email='{VICTIM}').pk)"
    )
    admin = served.login(ADMIN, PASSWORD, address="127.0.0.6")
    token = admin.cookies["csrftoken"]
    change = f"/admin/accounts/user/{pk}/change/"

    r = admin.get(change)
    assert r.status_code == 302 and r.headers["location"] == "/desk/account/two-factor/", (
        r.status_code,
        r.headers.get("location"),
    )
    r = admin.post(
        change,
        data={
            "email": VICTIM,
            "name": "",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "last_login_0": "",
            "last_login_1": "",
            "_save": "Save",
            "csrfmiddlewaretoken": token,
        },
        headers={"Referer": served.base + change},
    )
    assert r.status_code == 403 and "requires two-factor authentication" in r.text, r.status_code
    assert is_superuser(served, VICTIM) == "False"
    for path in ("/admin/", "/desk/", "/desk/sites/", "/desk/tokens/"):
        r = admin.get(path)
        assert r.status_code == 302 and r.headers["location"] == "/desk/account/two-factor/", path
    # The API does not take the session for a login at all.
    r = admin.get("/api/v1/findings")
    assert r.status_code == 401 and r.json()["field"] == "authorization"
