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


# In place (desk.js asks for JSON), undo, and the confirmation of large changes ----------------

UNDO = reverse("desk:undo")
JSON = {"HTTP_ACCEPT": "application/json"}


def test_desk_js_gets_json_with_each_row_and_an_undo_token(client, people, findings):
    client.force_login(people["editor"])
    r = client.post(
        BULK, {"status": "fixed", "finding": [findings[0].pk, findings[1].pk], "next": INBOX + "?q=w"}, **JSON
    )
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["message"] == "2 findings marked fixed."
    assert body["undo"]
    assert body["findings"] == [
        {"id": findings[0].pk, "status": "fixed", "label": "Fixed", "in_list": False},
        {"id": findings[1].pk, "status": "fixed", "label": "Fixed", "in_list": False},
    ]
    # On the "all" tab (or "fixed") the rows stay and show their new status.
    r = client.post(
        BULK, {"status": "spam", "finding": [findings[2].pk], "next": INBOX + "?status=all"}, **JSON
    )
    assert r.json()["findings"] == [
        {"id": findings[2].pk, "status": "spam", "label": "Spam", "in_list": True}
    ]
    # Refusals are JSON too, with their reason.
    r = client.post(BULK, {"status": "deleted", "finding": [findings[0].pk]}, **JSON)
    assert r.status_code == 400 and "Choose one of the actions" in r.json()["error"]
    r = client.post(BULK, {"status": "fixed"}, **JSON)
    assert r.status_code == 400 and "Select one or more findings" in r.json()["error"]


def test_undo_restores_each_previous_status_exactly_and_is_in_the_history(client, people, site, findings):
    from typodesk.findings.services import set_status

    editor = people["editor"]
    original = report(site, "orig", 90)
    set_status(findings[0], "spam", editor)
    set_status(findings[1], None, editor, duplicate_of=original)
    set_status(findings[2], "rejected", editor)
    before = [(f.status, f.duplicate_of_id) for f in Finding.objects.filter(pk__in=[f.pk for f in findings])]
    assert before == [("spam", None), ("duplicate", original.pk), ("rejected", None)]
    client.force_login(editor)
    ids = [f.pk for f in findings]
    token = client.post(BULK, {"status": "fixed", "finding": ids}, **JSON).json()["undo"]
    assert statuses(findings) == ["fixed"] * 3
    r = client.post(UNDO, {"token": token, "next": INBOX}, **JSON)
    assert r.status_code == 200
    assert r.json()["message"] == "3 changes undone."
    assert [
        (f.status, f.duplicate_of_id) for f in Finding.objects.filter(pk__in=ids).order_by("pk")
    ] == before
    # The undo is a change like any other: one history row per finding, by the editor.
    last = [StatusChange.objects.filter(finding_id=pk).order_by("pk").last() for pk in ids]
    assert [(h.old_status, h.new_status, h.user_id) for h in last] == [
        ("fixed", "spam", editor.pk),
        ("fixed", "duplicate", editor.pk),
        ("fixed", "rejected", editor.pk),
    ]
    assert last[1].duplicate_of_id == original.pk
    # Once only.
    r = client.post(UNDO, {"token": token}, **JSON)
    assert r.status_code == 409 and "can no longer be undone" in r.json()["error"]
    assert StatusChange.objects.filter(finding_id__in=ids).count() == 9


def test_undo_leaves_a_finding_changed_again_since_as_it_is(client, people, findings):
    from typodesk.findings.services import set_status

    client.force_login(people["editor"])
    token = client.post(
        BULK, {"status": "fixed", "finding": [findings[0].pk, findings[1].pk]}, **JSON
    ).json()["undo"]
    set_status(Finding.objects.get(pk=findings[1].pk), "spam", people["owner"])
    r = client.post(UNDO, {"token": token}, **JSON)
    assert r.json()["message"] == ("1 change undone. 1 finding was changed again since and is left as it is.")
    assert statuses(findings) == ["new", "spam", "new"]


def test_a_token_is_the_sessions_own(client, people, findings):
    client.force_login(people["editor"])
    token = client.post(BULK, {"status": "fixed", "finding": [findings[0].pk]}, **JSON).json()["undo"]
    other = Client()
    other.force_login(people["owner"])
    r = other.post(UNDO, {"token": token}, **JSON)
    assert r.status_code == 409
    assert other.post(UNDO, {"token": ""}, **JSON).status_code == 409
    assert other.post(UNDO, {"token": "ünïcode\x00"}, **JSON).status_code == 409
    assert statuses(findings) == ["fixed", "new", "new"]


def test_who_may_no_longer_change_a_finding_cannot_undo(client, people, findings):
    """A viewer cannot act (403), nor can an editor made a viewer since act or undo (403), nor one
    no longer a member of the site (404); nothing changes."""
    viewer = Client()
    viewer.force_login(people["viewer"])
    r = viewer.post(BULK, {"status": "spam", "finding": [findings[0].pk]}, **JSON)
    assert r.status_code == 403 and "may read these findings but not change them" in r.json()["error"]
    client.force_login(people["editor"])
    token = client.post(BULK, {"status": "fixed", "finding": [findings[0].pk]}, **JSON).json()["undo"]
    membership = Membership.objects.get(user=people["editor"], site=findings[0].site)
    membership.role = "viewer"
    membership.save()
    assert client.post(UNDO, {"token": token}, **JSON).status_code == 403
    assert client.post(UNDO, {"token": token}).status_code == 403  # the form post, too
    membership.delete()
    r = client.post(UNDO, {"token": token}, **JSON)
    assert r.status_code == 404 and "not on your sites" in r.json()["error"]
    assert client.post(UNDO, {"token": token}).status_code == 404
    assert statuses(findings) == ["fixed", "new", "new"]
    assert StatusChange.objects.count() == 1


def test_many_findings_are_confirmed_first(client, people, site):
    """More than BULK_CONFIRM (10) findings that would change: a question first."""
    many = [report(site, f"m{i}", i * 10) for i in range(11)]
    ids = [f.pk for f in many]
    client.force_login(people["editor"])
    client.post(BULK, {"status": "fixed", "finding": ids[:10]})  # ten: no question asked
    assert statuses(many).count("fixed") == 10
    r = client.post(BULK, {"status": "new", "finding": ids}, **JSON)  # ten change, one is new already
    assert r.json()["message"] == "10 findings reopened."
    r = client.post(BULK, {"status": "spam", "finding": ids}, **JSON)  # eleven would change
    assert r.json() == {"confirm": {"question": "Mark 11 findings spam?", "yes": "Spam: 11 findings"}}
    r = client.post(BULK, {"status": "spam", "finding": ids, "next": INBOX + "?q=m"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Mark 11 findings spam?" in html and 'name="confirm" value="1"' in html
    assert html.count('name="finding"') == 11 and f'value="{INBOX}?q=m"' in html
    assert statuses(many) == ["new"] * 11
    r = client.post(BULK, {"status": "spam", "finding": ids, "confirm": "1"}, **JSON)
    assert r.json()["message"] == "11 findings marked spam."
    assert statuses(many) == ["spam"] * 11
    # ... and undone in one step.
    client.post(UNDO, {"token": r.json()["undo"]}, **JSON)
    assert statuses(many) == ["new"] * 11


def test_without_javascript_the_toast_undoes_with_a_form(client, people, findings):
    client.force_login(people["editor"])
    r = client.post(
        BULK, {"status": "rejected", "finding": [findings[1].pk], "next": INBOX + "?q=w"}, follow=True
    )
    assert r.redirect_chain[-1][0] == INBOX + "?q=w"
    html = r.content.decode()
    assert '<p role="status">1 finding marked not a mistake.</p>' in html
    token = r.context["toast"]["token"]
    assert f'name="token" value="{token}"' in html and 'data-key="z"' in html
    assert client.get(INBOX).context["toast"] is None  # shown once
    r = client.post(UNDO, {"token": token, "next": INBOX + "?q=w"}, follow=True)
    assert r.redirect_chain[-1][0] == INBOX + "?q=w"
    assert '<p role="status">1 change undone.</p>' in r.content.decode()
    assert statuses(findings) == ["new"] * 3
    r = client.post(UNDO, {"token": token}, follow=True)
    assert "can no longer be undone" in r.content.decode()


def test_the_finding_pages_change_can_be_undone(client, people, findings):
    from typodesk.findings.services import set_status

    original = findings[0]
    set_status(findings[2], None, people["editor"], duplicate_of=original)
    client.force_login(people["editor"])
    page = reverse("desk:finding", args=[findings[2].pk])
    r = client.post(reverse("desk:finding-status", args=[findings[2].pk]), {"status": "fixed"}, follow=True)
    html = r.content.decode()
    assert "Finding marked “Fixed”." in html
    token = r.context["toast"]["token"]
    r = client.post(UNDO, {"token": token, "next": page}, follow=True)
    assert r.redirect_chain[-1][0] == page
    f = Finding.objects.get(pk=findings[2].pk)
    assert (f.status, f.duplicate_of_id) == ("duplicate", original.pk)
    # A note is no status change: no undo offered.
    r = client.post(reverse("desk:finding-status", args=[findings[2].pk]), {"note": "check"}, follow=True)
    assert r.context["toast"] is None and "Note saved." in r.content.decode()


def test_undo_needs_a_post_a_login_and_a_csrf_token(people, findings):
    anonymous = Client()
    assert anonymous.post(UNDO, {"token": "x"}).status_code == 302
    editor = Client()
    editor.force_login(people["editor"])
    assert editor.get(UNDO).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["editor"])
    assert strict.post(UNDO, {"token": "x"}).status_code == 403
