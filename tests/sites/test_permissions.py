"""Who may do what on the site pages: the permission matrix.

anonymous → the login page; not a member → 404 (as if the site did not exist); viewer and
editor → read the settings, 403 on everything that manages the site; owner (and instance
admin) → allowed. No URL of one site reaches another site's members, domains or invitations.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from typodesk.sites.models import Domain, Invitation, Membership, Site

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(site, editor):
    """Objects the POST routes act on, all belonging to ``site``."""
    extra = Domain.objects.create(site=site, host="www.news.example")
    inv = Invitation.objects.create(
        site=site,
        email="new@news.example",
        role="editor",
        token_hash="x" * 64,
        expires=timezone.now() + timedelta(days=1),
    )
    return {"domain": extra, "invitation": inv, "member": Membership.objects.get(site=site, user=editor)}


def pages(site):
    k = site.public_key
    return {"settings": reverse("sites:settings", args=[k]), "members": reverse("sites:members", args=[k])}


def actions(site, t):
    k = site.public_key
    return {
        "save settings": (reverse("sites:settings", args=[k]), {"name": "Hacked", "default_language": "en"}),
        "add domain": (reverse("sites:domain-add", args=[k]), {"host": "evil.example"}),
        "remove domain": (reverse("sites:domain-remove", args=[k, t["domain"].pk]), {}),
        "invite": (reverse("sites:invite", args=[k]), {"email": "x@evil.example", "role": "owner"}),
        "change role": (reverse("sites:member-role", args=[k, t["member"].pk]), {"role": "owner"}),
        "remove member": (reverse("sites:member-remove", args=[k, t["member"].pk]), {}),
        "revoke invitation": (reverse("sites:invitation-revoke", args=[k, t["invitation"].pk]), {}),
        "delete site": (reverse("sites:delete", args=[k]), {"confirm": "Hacked"}),  # the name just saved
    }


def state(site):
    """Everything the actions could change, to prove a refused one changed nothing."""
    site = Site.objects.filter(pk=site.pk).first()
    if site is None:
        return None
    return (
        site.name,
        sorted(site.hosts()),
        sorted(Membership.objects.filter(site=site).values_list("user__email", "role")),
        sorted(Invitation.objects.filter(site=site).values_list("email", "revoked_at")),
    )


def test_anonymous_goes_to_login_everywhere(client, site, things):
    login = reverse("desk:login")
    for url in [*pages(site).values(), reverse("sites:index")]:
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith(login), url
    before = state(site)
    for name, (url, data) in actions(site, things).items():
        r = client.post(url, data)
        assert r.status_code == 302 and r.url.startswith(login), name
    assert state(site) == before


@pytest.mark.parametrize("who", ["outsider"])
def test_non_members_get_404_for_every_page_and_action(client, site, other_site, things, who, outsider):
    client.force_login(outsider)
    for url in pages(site).values():
        assert client.get(url).status_code == 404, url
    before = state(site)
    for name, (url, data) in actions(site, things).items():
        assert client.post(url, data).status_code == 404, name
    assert state(site) == before
    # An unknown key looks exactly the same.
    assert client.get(reverse("sites:settings", args=["NoSuchKey123"])).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_viewers_and_editors_read_settings_but_manage_nothing(client, site, things, role, request):
    client.force_login(request.getfixturevalue(role))
    r = client.get(pages(site)["settings"])
    assert r.status_code == 200
    html = r.content.decode()
    assert site.public_key in html and "only the site's owners change them" in html
    assert '<fieldset class="stack" disabled>' in html
    assert reverse("sites:members", args=[site.public_key]) not in html
    r = client.get(pages(site)["members"])
    assert r.status_code == 403 and "Only owners of News Example" in r.content.decode()
    before = state(site)
    for name, (url, data) in actions(site, things).items():
        assert client.post(url, data).status_code == 403, name
    assert state(site) == before


def test_owner_may_do_everything(client, site, things, owner):
    client.force_login(owner)
    for url in pages(site).values():
        assert client.get(url).status_code == 200
    acts = actions(site, things)
    for name, (url, data) in acts.items():
        r = client.post(url, data)
        # An invitation without a mail server answers with the link to send by hand.
        assert r.status_code == (200 if name == "invite" else 302), (name, r.status_code)
    assert Invitation.objects.filter(email="x@evil.example").exists() is False  # deleted with the site
    assert not Site.objects.filter(pk=site.pk).exists()


def test_instance_admin_acts_as_owner_without_membership(client, site, things, make_user):
    admin = make_user("root@desk.example", is_superuser=True, is_staff=True)
    client.force_login(admin)
    assert client.get(pages(site)["members"]).status_code == 200
    url, data = actions(site, things)["change role"]
    assert client.post(url, data).status_code == 302
    assert Membership.objects.get(pk=things["member"].pk).role == "owner"


def test_no_url_of_my_site_reaches_another_sites_objects(client, site, other_site, outsider, owner):
    """The owner of ``site`` uses its key with ids of ``other_site``'s members, domains, invitations."""
    theirs_member = Membership.objects.get(site=other_site, user=outsider)
    theirs_domain = other_site.domains.get()
    Domain.objects.create(site=other_site, host="www.other.example")
    theirs_inv = Invitation.objects.create(
        site=other_site,
        email="z@other.example",
        role="viewer",
        token_hash="y" * 64,
        expires=timezone.now() + timedelta(days=1),
    )
    client.force_login(owner)
    k = site.public_key
    before = state(other_site)
    for url, data in [
        (reverse("sites:member-role", args=[k, theirs_member.pk]), {"role": "viewer"}),
        (reverse("sites:member-remove", args=[k, theirs_member.pk]), {}),
        (reverse("sites:domain-remove", args=[k, theirs_domain.pk]), {}),
        (reverse("sites:invitation-revoke", args=[k, theirs_inv.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    assert state(other_site) == before
    # Their pages, by their key, are a 404 for this owner; their names appear nowhere of ours.
    assert client.get(reverse("sites:settings", args=[other_site.public_key])).status_code == 404
    assert client.get(reverse("sites:members", args=[other_site.public_key])).status_code == 404
    index = client.get(reverse("sites:index")).content.decode()
    assert "News Example" in index and "Other Paper" not in index
    members = client.get(reverse("sites:members", args=[k])).content.decode()
    assert "outsider@other.example" not in members and "z@other.example" not in members


def test_every_form_posts_with_a_csrf_token(site, owner):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(owner)
    for url in pages(site).values():
        html = c.get(url).content.decode()
        assert html.count('method="post"') >= 3
        assert html.count("csrfmiddlewaretoken") == html.count('method="post"')
    r = c.post(reverse("sites:domain-add", args=[site.public_key]), {"host": "a.example"})
    assert r.status_code == 403
    assert not Domain.objects.filter(host="a.example").exists()


def test_gets_do_not_change_anything(client, site, things, owner):
    client.force_login(owner)
    before = state(site)
    for name, (url, _data) in actions(site, things).items():
        if url == pages(site)["settings"]:
            continue
        assert client.get(url).status_code == 405, name
    assert state(site) == before
