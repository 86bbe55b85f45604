"""Invitations by e-mail: sent through a real SMTP server, accepted once, refused clearly otherwise."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.notify.receivers import wait_for
from typodesk.accounts.models import User
from typodesk.sites.models import Invitation, Membership

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def invite(client, site, email, role="editor", **extra):
    return client.post(
        reverse("sites:invite", args=[site.public_key]), {"email": email, "role": role}, **extra
    )


def link_in(mail) -> str:
    text = mail.part("text/plain")
    return re.search(r"https://desk\.example(/desk/invitations/\S+/)", text).group(1)


@pytest.fixture
def invited(client, site, owner, smtp):
    """An invitation for new@news.example as editor; the client is logged out after sending it."""
    client.force_login(owner)
    r = invite(client, site, "New@News.example")
    assert r.status_code == 302
    mail = wait_for(lambda: smtp.mails and smtp.mails[-1])
    client.logout()
    return link_in(mail), mail


def test_the_mail_says_who_invites_to_what_with_a_link(invited, site):
    path, mail = invited
    assert mail.rcpt_tos == ["new@news.example"]
    assert mail.message["Subject"] == "You are invited to News Example on typodesk"
    text = mail.part("text/plain")
    assert "owner@news.example invites you to the typodesk desk of News Example" in text
    assert "Your role: editor" in text and "for 7 days" in text
    assert f'href="https://desk.example{path}"' in mail.part("text/html")
    inv = Invitation.objects.get()
    # Only a hash of the token is kept.
    token = path.split("/")[-2]
    assert token not in inv.token_hash and len(inv.token_hash) == 64
    assert abs((inv.expires - timezone.now()) - timedelta(days=7)) < timedelta(minutes=1)


def test_the_mail_is_in_the_inviters_language(client, site, owner, smtp):
    client.force_login(owner)
    from django.utils import translation

    from typodesk.sites import invitations

    inv, token = invitations.create(site, "ru@news.example", "viewer", owner, "ru")
    with translation.override("en"):
        invitations.send(inv, token)
    mail = wait_for(lambda: smtp.mails and smtp.mails[-1])
    # Rendered with Russian active, whatever the language of the process sending it.
    assert mail.message["Content-Language"] == "ru"
    assert '<html lang="ru">' in mail.part("text/html")
    assert invite(client, site, "az@news.example", HTTP_ACCEPT_LANGUAGE="az").status_code == 302
    assert Invitation.objects.get(email="az@news.example").language == "az"


def test_a_new_person_sets_a_password_and_lands_in_the_desk(client, invited, site):
    path, _ = invited
    r = client.get(path)
    assert (
        r.status_code == 200 and "Choose a password for your account new@news.example" in r.content.decode()
    )
    # Too short, not the same: clear errors, nothing created.
    r = client.post(path, {"name": "New", "password1": "short", "password2": "short"})
    assert r.status_code == 400 and "too short" in r.content.decode()
    r = client.post(path, {"name": "New", "password1": PASSWORD, "password2": PASSWORD + "x"})
    assert r.status_code == 400 and "not the same" in r.content.decode()
    assert not User.objects.filter(email="new@news.example").exists()
    r = client.post(path, {"name": "New Person", "password1": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 302 and r.url == reverse("desk:inbox")
    assert client.get(reverse("desk:inbox")).status_code == 200  # logged in
    user = User.objects.get(email="new@news.example")
    assert user.name == "New Person" and user.check_password(PASSWORD)
    assert Membership.objects.get(site=site, user=user).role == "editor"
    inv = Invitation.objects.get()
    assert inv.accepted_at and inv.accepted_by == user
    # Single use: the link now says so, for anyone.
    client.logout()
    r = client.get(path)
    assert r.status_code == 410 and "This invitation was used already" in r.content.decode()


def test_an_existing_account_logs_in_and_gets_the_membership(client, site, owner, smtp, outsider):
    client.force_login(owner)
    invite(client, site, "outsider@other.example", role="viewer")
    path = link_in(wait_for(lambda: smtp.mails and smtp.mails[-1]))
    client.logout()
    r = client.get(path)
    assert (
        r.status_code == 200
        and "There is already an account for outsider@other.example" in r.content.decode()
    )
    r = client.post("/desk/login/", {"username": outsider.email, "password": PASSWORD, "next": path})
    assert r.status_code == 302 and r.url == path
    r = client.get(path)
    assert "Accept the invitation" in r.content.decode()
    assert not Membership.objects.filter(site=site, user=outsider).exists()  # a GET changes nothing
    r = client.post(path)
    assert r.status_code == 302
    assert Membership.objects.get(site=site, user=outsider).role == "viewer"


def test_the_link_is_for_the_invited_address_only(client, invited, editor):
    path, _ = invited
    client.force_login(editor)
    r = client.post(path)
    assert r.status_code == 403 and "This invitation is for someone else" in r.content.decode()
    assert Invitation.objects.get().accepted_at is None


def test_expired_revoked_and_forged_links_get_a_clear_page(client, invited, site, owner):
    path, _ = invited
    inv = Invitation.objects.get()
    Invitation.objects.filter(pk=inv.pk).update(expires=timezone.now() - timedelta(seconds=1))
    r = client.get(path)
    assert r.status_code == 410 and "This invitation has expired" in r.content.decode()
    r = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert r.status_code == 410 and not User.objects.filter(email="new@news.example").exists()
    Invitation.objects.filter(pk=inv.pk).update(expires=timezone.now() + timedelta(days=1))
    client.force_login(owner)
    r = client.post(reverse("sites:invitation-revoke", args=[site.public_key, inv.pk]))
    assert r.status_code == 302
    client.logout()
    r = client.get(path)
    assert r.status_code == 410 and "This invitation was withdrawn" in r.content.decode()
    token = path.split("/")[-2]
    for bad in [token[:-1] + ("A" if token[-1] != "A" else "B"), "nonsense", token.split(":")[0], "x" * 500]:
        r = client.get(f"/desk/invitations/{bad}/")
        assert r.status_code == 404 and "This invitation link does not work" in r.content.decode(), bad


def test_inviting_again_replaces_the_pending_invitation(client, invited, site, owner, smtp):
    old_path, _ = invited
    client.force_login(owner)
    invite(client, site, "new@news.example", role="viewer")
    new_path = link_in(wait_for(lambda: len(smtp.mails) == 2 and smtp.mails[-1]))
    client.logout()
    assert client.get(old_path).status_code == 410
    assert client.get(new_path).status_code == 200
    client.force_login(owner)
    html = client.get(reverse("sites:members", args=[site.public_key])).content.decode()
    assert html.count("<td>new@news.example</td>") == 1  # one pending invitation listed


def test_an_invitation_never_lowers_a_role(site, owner, editor):
    from typodesk.sites import invitations

    inv, _ = invitations.create(site, editor.email, "viewer", owner, "en")
    assert invitations.accept(inv, editor)
    assert Membership.objects.get(site=site, user=editor).role == "editor"
    inv, _ = invitations.create(site, editor.email, "owner", owner, "en")
    assert invitations.accept(inv, editor)
    assert Membership.objects.get(site=site, user=editor).role == "owner"
    assert not invitations.accept(inv, editor)  # used


def test_members_cannot_be_invited_twice(client, site, owner, smtp):
    client.force_login(owner)
    r = invite(client, site, "EDITOR@news.example")
    assert r.status_code == 400 and "already a member of this site" in r.content.decode()
    r = invite(client, site, "not an address")
    assert r.status_code == 400 and "Enter a valid email address" in r.content.decode()
    r = invite(client, site, "x@news.example", role="admin")
    assert r.status_code == 400
    assert smtp.mails == [] and not Invitation.objects.exists()


def test_without_a_mail_server_the_owner_gets_the_link(client, site, owner, settings):
    settings.EMAIL_HOST = ""
    settings.BASE_URL = "https://desk.example"
    client.force_login(owner)
    r = invite(client, site, "new@news.example")
    html = r.content.decode()
    assert r.status_code == 200 and "This server cannot send e-mail yet." in html
    path = re.search(r"https://desk\.example(/desk/invitations/[^<\s]+/)", html).group(1)
    client.logout()
    assert client.get(path).status_code == 200


def test_a_mail_server_that_refuses_leaves_the_link_with_the_owner(client, site, owner, smtp):
    smtp.refuse.add("new@news.example")
    client.force_login(owner)
    r = invite(client, site, "new@news.example")
    assert r.status_code == 200 and "The mail server did not take the mail." in r.content.decode()
