"""Bulk actions on the inbox: editors and owners only, every finding checked, one history row each."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from typodesk.findings.models import Finding, StatusChange
from typodesk.findings.services import Quote, record_report
from typodesk.sites.models import Membership

pytestmark = pytest.mark.django_db
BULK = reverse("desk:bulk")
INBOX = reverse("desk:inbox")


def report(site, exact, start):
    return record_report(
        site,
        url=f"https://{site.hosts()[0]}/story",
        quote=Quote(exact, "a ", " b", start, start + len(exact)),
    ).finding


@pytest.fixture
def people(db):
    from typodesk.accounts.models import User

    # No password (force_login): hashing four with argon2 per test would be most of its time.
    return {role: User.objects.create_user(f"{role}@news.example", None) for role in ROLES}


ROLES = ("owner", "editor", "viewer", "stranger")


@pytest.fixture
def site(make_site, people):
    return make_site(members=[(people[r], r) for r in ("owner", "editor", "viewer")])


@pytest.fixture
def findings(site):
    return [report(site, f"w{i}", i * 10) for i in range(3)]


def statuses(findings):
    return [Finding.objects.get(pk=f.pk).status for f in findings]


@pytest.mark.parametrize("role", ["owner", "editor"])
@pytest.mark.parametrize(
    "status, message",
    [("fixed", "marked fixed"), ("rejected", "marked not a mistake"), ("spam", "marked spam")],
)
def test_editors_change_the_selected_findings(client, people, findings, role, status, message):
    client.force_login(people[role])
    r = client.post(
        BULK,
        {"status": status, "finding": [findings[0].pk, findings[2].pk], "next": INBOX + "?lang=en&q=w"},
        follow=True,
    )
    assert r.redirect_chain[-1][0] == INBOX + "?lang=en&q=w"  # back to the same list
    assert f"2 findings {message}." in r.content.decode()
    assert statuses(findings) == [status, "new", status]
    history = StatusChange.objects.filter(finding__in=[findings[0], findings[2]])
    assert sorted((h.finding_id, h.old_status, h.new_status, h.user_id) for h in history) == [
        (findings[0].pk, "new", status, people[role].pk),
        (findings[2].pk, "new", status, people[role].pk),
    ]
    # Reopen, one history row each again; a second reopen changes nothing.
    client.post(BULK, {"status": "new", "finding": [findings[0].pk, findings[2].pk]})
    assert statuses(findings) == ["new"] * 3
    r = client.post(BULK, {"status": "new", "finding": [findings[0].pk]}, follow=True)
    assert "Nothing changed" in r.content.decode()
    assert StatusChange.objects.count() == 4


def test_viewers_see_no_checkboxes_and_cannot_post(client, people, findings):
    client.force_login(people["viewer"])
    html = client.get(INBOX).content.decode()
    assert 'data-finding="' in html
    assert 'name="finding"' not in html and 'id="bulk"' not in html
    r = client.post(BULK, {"status": "spam", "finding": [findings[0].pk]})
    assert r.status_code == 403
    assert statuses(findings) == ["new"] * 3 and not StatusChange.objects.exists()


def test_a_selection_with_one_finding_the_user_may_not_change_changes_nothing(
    client, people, findings, make_site
):
    other = make_site(name="Read only here", domains=["ro.example"])
    Membership.objects.create(site=other, user=people["editor"], role="viewer")
    theirs = report(other, "ro", 5)
    client.force_login(people["editor"])
    html = client.get(INBOX).content.decode()
    assert f'value="{findings[0].pk}" form="bulk"' in html and f'value="{theirs.pk}" form="bulk"' not in html
    r = client.post(BULK, {"status": "fixed", "finding": [findings[0].pk, theirs.pk]})
    assert r.status_code == 403
    assert statuses([*findings, theirs]) == ["new"] * 4


def test_findings_of_other_sites_are_not_found(client, people, findings, make_site):
    hidden = report(make_site(name="Not mine", domains=["not.example"]), "hidden", 5)
    for who in ("editor", "stranger"):
        client.force_login(people[who])
        r = client.post(BULK, {"status": "spam", "finding": [findings[0].pk, hidden.pk]})
        assert r.status_code == 404, who
        assert client.post(BULK, {"status": "spam", "finding": [999999]}).status_code == 404
    assert statuses([*findings, hidden]) == ["new"] * 4


def test_bad_requests_are_refused_with_a_message(client, people, findings):
    client.force_login(people["editor"])
    r = client.post(BULK, {"status": "deleted", "finding": [findings[0].pk]})
    assert r.status_code == 400 and b"Choose one of the actions" in r.content
    r = client.post(BULK, {"status": "duplicate", "finding": [findings[0].pk]})
    assert r.status_code == 400
    r = client.post(BULK, {"status": "fixed", "finding": ["1; DROP"]})
    assert r.status_code == 400 and b"not a finding" in r.content
    r = client.post(BULK, {"status": "fixed"}, follow=True)
    assert "Select one or more findings first" in r.content.decode()
    r = client.post(BULK, {"status": "fixed", "finding": list(range(1, 502))})
    assert r.status_code == 400 and b"at most 500" in r.content
    assert client.get(BULK).status_code == 405
    assert statuses(findings) == ["new"] * 3


def test_next_never_leaves_the_inbox(client, people, findings):
    client.force_login(people["editor"])
    for target in ("https://evil.example/desk/", "//evil.example/desk/", "/admin/", "javascript:alert(1)"):
        r = client.post(BULK, {"status": "fixed", "finding": [findings[0].pk], "next": target})
        assert r.status_code == 302 and r.url == INBOX, target


def test_bulk_needs_a_csrf_token_and_a_login(people, findings):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["editor"])
    assert strict.post(BULK, {"status": "spam", "finding": [findings[0].pk]}).status_code == 403
    anonymous = Client()
    r = anonymous.post(BULK, {"status": "spam", "finding": [findings[0].pk]})
    assert r.status_code == 302 and "login" in r.url
    assert statuses(findings) == ["new"] * 3
