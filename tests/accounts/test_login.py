"""Logging in: throttling per account and per address, the two-factor second step, passwords."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.urls import reverse

from typodesk.accounts import throttle, totp
from typodesk.accounts.models import RecoveryCode, TOTPDevice
from typodesk.ingest.models import RateBucket

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/desk/login/"


def login(client, email, password, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


@pytest.fixture
def limits(settings):
    settings.TYPODESK_LOGIN_BURST = 3
    settings.TYPODESK_LOGIN_PER_MINUTE = 1


def test_desk_login_is_ours_and_keeps_its_name(client, editor):
    assert reverse("desk:login") == LOGIN
    r = login(client, "Editor@News.Example ", PASSWORD)  # any case, stray space
    assert r.status_code == 302 and r.url == reverse("desk:inbox")
    html = client.get(reverse("desk:inbox")).content.decode()
    assert 'href="/desk/sites/"' in html and 'href="/desk/account/"' in html


def test_login_page_offers_password_reset(client):
    html = client.get(LOGIN).content.decode()
    assert 'href="/desk/password-reset/">Forgot password?</a>' in html


def test_login_goes_to_next_but_never_off_site(client, editor):
    r = client.post(LOGIN, {"username": editor.email, "password": PASSWORD, "next": "/desk/sites/"})
    assert r.url == "/desk/sites/"
    client.logout()
    r = client.post(LOGIN, {"username": editor.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert r.url == reverse("desk:inbox")


def test_failures_are_throttled_per_account_with_the_wait_then_429(client, editor, limits):
    for _ in range(3):
        r = login(client, editor.email, "wrong password")
        assert r.status_code == 200 and "didn't match" in r.content.decode()
    # The bucket is empty: even the right password is not checked now.
    r = login(client, editor.email, PASSWORD)
    assert r.status_code == 429
    assert r["Retry-After"] and 1 <= int(r["Retry-After"]) <= 60
    assert "Too many failed attempts. Try again in 1 minute." in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_account_throttle_holds_across_addresses(client, editor, limits):
    for i in range(3):
        login(client, editor.email, "wrong", REMOTE_ADDR=f"192.0.2.{i + 1}")
    assert login(client, editor.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_address_throttle_holds_across_accounts(client, editor, limits, make_user):
    for i in range(3):
        login(client, f"guess{i}@news.example", "wrong", REMOTE_ADDR="192.0.2.9")
    assert login(client, editor.email, PASSWORD, REMOTE_ADDR="192.0.2.9").status_code == 429
    # Another address, the same account: fine.
    assert login(client, editor.email, PASSWORD, REMOTE_ADDR="192.0.2.10").status_code == 302


def test_successful_logins_cost_nothing(client, editor, limits):
    for _ in range(6):
        assert login(client, editor.email, PASSWORD).status_code == 302
        client.logout()
    # Each took its tokens before the password was checked and gave them back after.
    tokens = RateBucket.objects.filter(key__startswith="login:").values_list("tokens", flat=True)
    assert list(tokens) == [3.0, 3.0]
    assert login(client, editor.email, "wrong").status_code == 200
    assert list(tokens.all()) == [pytest.approx(2.0, abs=0.01)] * 2


def test_the_bucket_refills_with_time(client, editor, limits):
    for _ in range(3):
        login(client, editor.email, "wrong")
    assert login(client, editor.email, PASSWORD).status_code == 429
    # A minute later one attempt is allowed again (moved the bucket's clock back rather than waiting).
    RateBucket.objects.filter(key__startswith="login:").update(updated=time.time() - 61)
    from typodesk.ingest import ratelimit

    ratelimit.reset_local()
    assert login(client, editor.email, PASSWORD).status_code == 302


def test_no_raw_address_or_email_in_bucket_keys(client, editor, limits):
    login(client, editor.email, "wrong", REMOTE_ADDR="203.0.113.77")
    keys = list(RateBucket.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all("203.0.113" not in k and "editor" not in k for k in keys)
    assert throttle.account_key("EDITOR@news.example") in keys


# --- two-factor ---------------------------------------------------------------------------------


@pytest.fixture
def with_2fa(editor):
    device = TOTPDevice.objects.create(user=editor, secret=pyotp.random_base32(), confirmed=True)
    codes = totp.new_recovery_codes(editor)
    return device, codes


def test_two_step_login_with_a_code(client, editor, with_2fa):
    device, _codes = with_2fa
    r = client.post(LOGIN, {"username": editor.email, "password": PASSWORD, "next": "/desk/sites/"})
    assert r.status_code == 302 and r.url == reverse("accounts:login-code")
    # Not logged in yet: the desk still wants a login.
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("desk:inbox")).status_code == 302
    code = pyotp.TOTP(device.secret).now()
    r = client.post(reverse("accounts:login-code"), {"code": code})
    assert r.status_code == 302 and r.url == "/desk/sites/"
    assert client.get(reverse("desk:inbox")).status_code == 200


def test_a_code_is_not_accepted_twice(client, editor, with_2fa):
    device, _ = with_2fa
    code = pyotp.TOTP(device.secret).now()
    login(client, editor.email, PASSWORD)
    assert client.post(reverse("accounts:login-code"), {"code": code}).status_code == 302
    client.logout()
    login(client, editor.email, PASSWORD)
    r = client.post(reverse("accounts:login-code"), {"code": code})
    assert r.status_code == 200 and "used already" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_older_code_after_a_newer_one_is_refused(editor, with_2fa):
    device, _ = with_2fa
    now = time.time()
    t = pyotp.TOTP(device.secret)
    assert totp.verify(device, t.at(now), now)
    assert not totp.verify(device, t.at(now - 30), now)  # still in the window, but older
    assert totp.verify(device, t.at(now + 30), now)


def test_wrong_codes_are_throttled_too(client, editor, with_2fa, limits):
    login(client, editor.email, PASSWORD)
    for _ in range(3):
        assert client.post(reverse("accounts:login-code"), {"code": "000000"}).status_code == 200
    code = pyotp.TOTP(with_2fa[0].secret).now()
    r = client.post(reverse("accounts:login-code"), {"code": code})
    assert r.status_code == 429 and "_auth_user_id" not in client.session


def test_recovery_codes_work_once(client, editor, with_2fa):
    _, codes = with_2fa
    login(client, editor.email, PASSWORD)
    r = client.post(reverse("accounts:login-code"), {"code": codes[0].upper()})
    assert r.status_code == 302
    client.logout()
    login(client, editor.email, PASSWORD)
    assert client.post(reverse("accounts:login-code"), {"code": codes[0]}).status_code == 200
    assert RecoveryCode.objects.filter(user=editor, used_at__isnull=False).count() == 1
    # Only hashes are stored.
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()


def test_the_pending_login_expires(client, editor, with_2fa):
    login(client, editor.email, PASSWORD)
    session = client.session
    pending = session["typodesk_2fa_pending"]
    pending["until"] = time.time() - 1
    session["typodesk_2fa_pending"] = pending
    session.save()
    code = pyotp.TOTP(with_2fa[0].secret).now()
    r = client.post(reverse("accounts:login-code"), {"code": code}, follow=True)
    assert "Please log in again" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_code_page_without_a_password_first_goes_back_to_login(client):
    r = client.get(reverse("accounts:login-code"))
    assert r.status_code == 302 and r.url == LOGIN


def test_enrol_confirm_and_disable(client, editor):
    client.force_login(editor)
    r = client.get(reverse("accounts:totp-enrol"))
    html = r.content.decode()
    assert r.status_code == 200 and '<svg role="img" aria-label="QR code' in html
    assert "style=" not in html.split('<svg role="img"')[1].split("</svg>")[0]
    device = TOTPDevice.objects.get(user=editor)
    assert not device.confirmed and totp.grouped(device.secret) in html
    # A wrong code keeps it off.
    r = client.post(reverse("accounts:totp-enrol"), {"code": "123456"})
    assert r.status_code == 400 and not TOTPDevice.objects.get(user=editor).confirmed
    r = client.post(reverse("accounts:totp-enrol"), {"code": pyotp.TOTP(device.secret).now()})
    assert r.status_code == 200
    codes = r.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(c in r.content.decode() for c in codes)
    assert totp.has_two_factor(editor)
    # Disabling needs the password and a code; a recovery code will do.
    r = client.post(reverse("accounts:totp-disable"), {"password": "wrong", "code": codes[1]}, follow=True)
    assert "still on" in r.content.decode() and totp.has_two_factor(editor)
    r = client.post(reverse("accounts:totp-disable"), {"password": PASSWORD, "code": codes[1]}, follow=True)
    assert "is off" in r.content.decode() and not totp.has_two_factor(editor)
    assert not RecoveryCode.objects.filter(user=editor).exists()


def test_new_recovery_codes_replace_the_old(client, editor, with_2fa):
    device, old = with_2fa
    client.force_login(editor)
    r = client.post(reverse("accounts:recovery-codes"), {"code": pyotp.TOTP(device.secret).now()})
    new = r.context["codes"]
    assert set(new).isdisjoint(old)
    assert not totp.use_recovery_code(editor, old[0]) and totp.use_recovery_code(editor, new[0])


def test_owners_must_enrol_when_the_instance_requires_it(client, settings, owner, site, editor):
    settings.TYPODESK_REQUIRE_OWNER_2FA = True
    client.force_login(owner)
    for url in ["/desk/", reverse("sites:settings", args=[site.public_key]), "/desk/notifications/"]:
        r = client.get(url)
        assert r.status_code == 302 and r.url == reverse("accounts:totp-enrol"), url
    r = client.get(reverse("accounts:totp-enrol"))
    assert r.status_code == 200 and "requires two-factor authentication for site owners" in r.content.decode()
    device = TOTPDevice.objects.get(user=owner)
    client.post(reverse("accounts:totp-enrol"), {"code": pyotp.TOTP(device.secret).now()})
    assert client.get("/desk/").status_code == 200
    # An editor is not asked.
    client.force_login(editor)
    assert client.get("/desk/").status_code == 200


# --- passwords --------------------------------------------------------------------------------


def test_change_password(client, editor):
    client.force_login(editor)
    url = reverse("accounts:password-change")
    r = client.post(url, {"old_password": "wrong", "new_password1": "x", "new_password2": "x"})
    assert r.status_code == 200 and "old password was entered incorrectly" in r.content.decode()
    new = "another-long-password-7"
    r = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True)
    assert "Your password was changed." in r.content.decode()
    assert client.get("/desk/").status_code == 200  # still logged in
    editor.refresh_from_db()
    assert editor.check_password(new)


def test_password_reset_by_mail(client, editor, smtp):
    r = client.post(reverse("accounts:password-reset"), {"email": "EDITOR@news.example"})
    assert r.status_code == 302 and r.url == reverse("accounts:password-reset-done")
    from tests.notify.receivers import wait_for

    mail = wait_for(lambda: smtp.mails and smtp.mails[0])
    assert mail.rcpt_tos == ["editor@news.example"]
    text = mail.message.get_content()
    link = next(w for w in text.split() if w.startswith("https://desk.example/desk/password-reset/"))
    path = link.removeprefix("https://desk.example")
    r = client.get(path, follow=True)
    form_url = r.redirect_chain[-1][0]
    new = "brand-new-password-42"
    r = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert r.status_code == 302 and r.url == reverse("accounts:password-reset-complete")
    assert login(client, editor.email, new).status_code == 302
    # The link worked once.
    client.logout()
    html = client.get(path, follow=True).content.decode()
    assert "This link does not work" in html


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(client, smtp):
    r = client.post(reverse("accounts:password-reset"), {"email": "nobody@news.example"})
    assert r.status_code == 302
    assert smtp.mails == []


def test_password_reset_without_a_mail_server_says_so(client, editor, settings):
    settings.EMAIL_HOST = ""
    r = client.post(reverse("accounts:password-reset"), {"email": editor.email})
    assert r.status_code == 200 and "cannot send e-mail" in r.content.decode()


def test_the_admin_logs_in_through_the_desk(client, make_user, editor):
    """The admin's own login form would skip throttling and the second factor."""
    admin = make_user("root@desk.example", is_staff=True, is_superuser=True)
    r = client.get("/admin/")
    assert r.status_code == 302 and r.url.startswith("/admin/login/")
    r = client.get(r.url)
    assert r.status_code == 302 and r.url.startswith(LOGIN + "?next=/admin/")
    r = client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert r.status_code == 302 and "_auth_user_id" not in client.session
    assert login(client, admin.email, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200
    client.force_login(editor)
    assert client.get("/admin/login/").status_code == 403
