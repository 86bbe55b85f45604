"""The members page: roles, removal, and never a site without an owner."""

from __future__ import annotations

import pytest
from django.urls import reverse

from typodesk.sites.models import Membership

pytestmark = pytest.mark.django_db


def m(site, user):
    return Membership.objects.get(site=site, user=user)


def url(site, name, *args):
    return reverse(name, args=[site.public_key, *args])


def test_owner_sees_members_with_roles_and_pending_invitations(client, site, owner, editor, viewer):
    from typodesk.sites import invitations

    invitations.create(site, "later@news.example", "viewer", owner, "en")
    client.force_login(owner)
    html = client.get(url(site, "sites:members")).content.decode()
    for user, role in [(owner, "owner"), (editor, "editor"), (viewer, "viewer")]:
        assert f"<td>{user.email}" in html
        select = html.split(f'id="role-{m(site, user).pk}"')[1].split("</select>")[0]
        assert f'<option value="{role}" selected>' in select
    assert "<td>later@news.example</td>" in html and "Revoke" in html


def test_change_a_role(client, site, owner, editor):
    client.force_login(owner)
    r = client.post(url(site, "sites:member-role", m(site, editor).pk), {"role": "viewer"}, follow=True)
    assert "editor@news.example is now: Viewer." in r.content.decode()
    assert m(site, editor).role == "viewer"
    r = client.post(url(site, "sites:member-role", m(site, editor).pk), {"role": "god"}, follow=True)
    assert "Choose owner, editor or viewer." in r.content.decode() and m(site, editor).role == "viewer"


def test_the_last_owner_can_be_neither_demoted_nor_removed(client, site, owner, editor):
    client.force_login(owner)
    r = client.post(url(site, "sites:member-role", m(site, owner).pk), {"role": "editor"}, follow=True)
    assert (
        "owner@news.example is the site&#x27;s only owner. Make someone else an owner first."
        in r.content.decode()
    )
    r = client.post(url(site, "sites:member-remove", m(site, owner).pk), follow=True)
    assert "only owner and cannot be removed" in r.content.decode()
    assert m(site, owner).role == "owner"
    # With a second owner, the first may step down (and then no longer manages members).
    client.post(url(site, "sites:member-role", m(site, editor).pk), {"role": "owner"})
    r = client.post(url(site, "sites:member-role", m(site, owner).pk), {"role": "editor"})
    assert r.status_code == 302 and r.url == url(site, "sites:settings")
    assert m(site, owner).role == "editor"
    assert client.get(url(site, "sites:members")).status_code == 403


def test_remove_a_member_and_they_lose_the_site(client, site, owner, editor):
    from typodesk.findings.services import Quote, record_report

    finding = record_report(
        site, url="https://news.example/a", quote=Quote("teh", "It was ", " best", 7, 10), title="A"
    ).finding
    client.force_login(owner)
    r = client.post(url(site, "sites:member-remove", m(site, editor).pk), follow=True)
    assert "editor@news.example was removed from the site." in r.content.decode()
    client.force_login(editor)
    assert client.get(url(site, "sites:settings")).status_code == 404
    assert client.get(reverse("desk:finding", args=[finding.pk])).status_code == 404


def test_an_owner_who_removes_themselves_goes_to_the_inbox(client, site, owner, editor):
    Membership.objects.filter(site=site, user=editor).update(role="owner")
    client.force_login(owner)
    r = client.post(url(site, "sites:member-remove", m(site, owner).pk))
    assert r.status_code == 302 and r.url == reverse("desk:inbox")
    assert not Membership.objects.filter(site=site, user=owner).exists()
