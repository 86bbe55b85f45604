"""/api/v1/findings: filters, keyset pagination, one finding, changes, duplicates, re-check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import assert_error, report
from typodesk.findings.models import Finding, StatusChange
from typodesk.notify.models import Channel, Notification
from typodesk.pages.models import PageCheck

pytestmark = pytest.mark.django_db


def ids(r):
    assert r.status_code == 200, r.content[:300]
    return [f["id"] for f in r.json()["items"]]


@pytest.fixture
def editor(api):
    return api("editor")


def test_a_finding_in_the_list_has_what_the_inbox_shows(editor, site):
    f = report(site, suggestion="the")
    report(site, suggestion="the", comment="typo")
    report(site, suggestion="then")
    item = editor.get("/findings").json()["items"][0]
    assert item["id"] == f.pk and item["site"] == site.public_key
    assert item["url"] == "https://news.example/story" and item["title"] == "A story"
    assert item["quote"] == {
        "exact": "teh",
        "prefix": "It was ",
        "suffix": " best of times",
        "start": 7,
        "end": 10,
    }
    assert item["report_count"] == 3 and item["status"] == "new"
    assert item["suggestions"] == [{"text": "the", "count": 2}, {"text": "then", "count": 1}]
    assert item["note"] == "" and item["duplicate_of"] is None
    assert item["verification"]["state"] == "none"


def test_the_status_filter_is_the_inboxs(editor, site, people):
    new = report(site, "a", 0)
    fixed = report(site, "b", 10)
    rejected = report(site, "c", 20)
    spam = report(site, "d", 30)
    for f, status in ((fixed, "fixed"), (rejected, "rejected"), (spam, "spam")):
        Finding.objects.filter(pk=f.pk).update(status=status)
    assert ids(editor.get("/findings")) == [new.pk]  # default: open
    assert ids(editor.get("/findings", {"status": "fixed"})) == [fixed.pk]
    assert ids(editor.get("/findings", {"status": "rejected"})) == [rejected.pk]
    assert ids(editor.get("/findings", {"status": "spam"})) == [spam.pk]
    assert sorted(ids(editor.get("/findings", {"status": "all"}))) == sorted(
        [new.pk, fixed.pk, rejected.pk, spam.pk]
    )
    assert_error(editor.get("/findings", {"status": "closed"}), 400, "status")


def test_site_and_page_filters(api, site, other_site, make_site, people):
    third = make_site(name="Third", domains=["third.example"], members=[(people["editor"], "viewer")])
    a = report(site, url="https://news.example/a?utm_source=x")
    b = report(third, url="https://third.example/b")
    report(other_site)
    editor = api("editor")
    assert sorted(ids(editor.get("/findings"))) == sorted([a.pk, b.pk])  # all my sites, not others'
    assert ids(editor.get("/findings", {"site": third.public_key})) == [b.pk]
    assert ids(editor.get("/findings", {"url": "HTTPS://News.Example/a#top"})) == [a.pk]
    assert ids(editor.get("/findings", {"url": "https://news.example/elsewhere"})) == []
    assert_error(editor.get("/findings", {"url": "news.example/a"}), 400, "url")
    assert_error(editor.get("/findings", {"site": other_site.public_key}), 404, "site")
    assert_error(editor.get("/findings", {"site": "no-such-key"}), 404, "site")


def test_keyset_pages_walk_every_finding_once_in_inbox_order(editor, site):
    t0 = timezone.now() - timedelta(days=1)
    made = [report(site, f"w{i}", i * 10, when=t0 + timedelta(minutes=i % 4)) for i in range(11)]
    expected = [f.pk for f in sorted(made, key=lambda f: (f.last_reported, f.pk), reverse=True)]
    seen, cursor, pages = [], None, 0
    while True:
        r = editor.get("/findings", {"limit": 4, **({"cursor": cursor} if cursor else {})})
        body = r.json()
        seen += [f["id"] for f in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 3


@pytest.mark.parametrize("sort", ["-last_reported", "last_reported", "-created", "created"])
def test_every_sort_pages_consistently(editor, site, sort):
    t0 = timezone.now() - timedelta(days=3)
    made = [report(site, f"w{i}", i * 10, when=t0 + timedelta(hours=i // 2)) for i in range(7)]
    key = sort.lstrip("-")
    expected = [
        f.pk for f in sorted(made, key=lambda f: (getattr(f, key), f.pk), reverse=sort.startswith("-"))
    ]
    first = editor.get("/findings", {"sort": sort, "limit": 5}).json()
    rest = editor.get("/findings", {"sort": sort, "limit": 5, "cursor": first["next_cursor"]}).json()
    assert [f["id"] for f in first["items"] + rest["items"]] == expected
    assert rest["next_cursor"] is None


def test_a_finding_reported_again_during_a_walk_is_not_seen_twice(editor, site):
    t0 = timezone.now() - timedelta(hours=1)
    made = [report(site, f"w{i}", i * 10, when=t0 + timedelta(minutes=i)) for i in range(6)]
    first = editor.get("/findings", {"limit": 3}).json()
    assert [f["id"] for f in first["items"]] == [f.pk for f in made[::-1][:3]]
    report(site, "w5", 50)  # the newest reported again: it moves to the front, already seen
    report(site, "w1", 10)  # an old one reported again: it jumps ahead of the cursor
    rest = editor.get("/findings", {"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [f["id"] for f in rest["items"]] == [made[2].pk, made[0].pk]


def test_bad_cursors_and_limits_are_400s_naming_the_parameter(editor, site):
    report(site, "a", 0)
    report(site, "b", 10)
    cursor = editor.get("/findings", {"limit": 1}).json()["next_cursor"]
    assert_error(editor.get("/findings", {"cursor": "garbage!"}), 400, "cursor")
    assert_error(editor.get("/findings", {"cursor": "W10"}), 400, "cursor")  # base64 of "[]"
    assert_error(editor.get("/findings", {"cursor": cursor, "sort": "created"}), 400, "cursor")
    assert_error(editor.get("/findings", {"limit": 0}), 400, "limit")
    assert_error(editor.get("/findings", {"limit": 201}), 400, "limit")
    assert_error(editor.get("/findings", {"limit": "many"}), 400, "limit")
    assert_error(editor.get("/findings", {"sort": "id"}), 400, "sort")


def test_one_finding_with_its_reports_history_and_duplicates(api, site, people):
    f = report(site, suggestion="the")
    report(site, comment="a typo")
    g = report(site, "teh", 50, prefix="and ", suffix=" end")
    owner = api("owner")
    assert owner.patch(f"/findings/{g.pk}", {"duplicate_of": f.pk}).status_code == 200
    assert owner.patch(f"/findings/{f.pk}", {"status": "fixed", "note": "Corrected"}).status_code == 200
    body = owner.get(f"/findings/{f.pk}").json()
    assert [(r["suggestion"], r["comment"]) for r in body["reports"]] == [("the", ""), ("", "a typo")]
    assert (
        body["reports"][0]["quote"]["exact"] == "teh"
        and body["reports"][0]["url"] == "https://news.example/story"
    )
    assert body["status"] == "fixed" and body["note"] == "Corrected"
    (h,) = body["history"]
    assert (h["user"], h["old_status"], h["new_status"], h["note"], h["duplicate_of"]) == (
        "owner@news.example",
        "new",
        "fixed",
        "Corrected",
        None,
    )
    assert body["duplicates"] == [g.pk]
    assert_error(owner.get("/findings/999999"), 404, "id")
    assert_error(owner.get("/findings/abc"), 400, "id")
    assert_error(owner.get(f"/findings/{2**60}"), 400, "id")


def test_a_finding_carries_the_spell_checkers_suggestion_and_its_reason(api, site):
    from typodesk.pages.jobs import SpellChecker

    f = report(site, "then", 5, prefix="More ", suffix=" two thousand people", lang="en")
    viewer = api("viewer")
    assert viewer.get(f"/findings/{f.pk}").json()["spell_checker"] == {"state": "pending", "text": "", "reason": ""}
    SpellChecker(worker_id="test").tick()
    want = {"state": "suggested", "text": "than", "reason": "than after a comparative"}
    assert viewer.get(f"/findings/{f.pk}").json()["spell_checker"] == want
    assert viewer.get("/findings").json()["items"][0]["spell_checker"] == want


def test_an_unknown_finding_and_one_of_another_site_answer_alike(api, site, other_site):
    theirs = report(other_site)
    a = api("editor").get(f"/findings/{theirs.pk}")
    b = api("editor").get(f"/findings/{theirs.pk + 1000}")
    assert assert_error(a, 404)["error"].replace(str(theirs.pk), "N") == assert_error(b, 404)[
        "error"
    ].replace(str(theirs.pk + 1000), "N")


def test_changes_go_through_set_status_history_and_notifications(editor, site, people):
    Channel.objects.create(
        site=site, kind="webhook", name="hook", target="https://hooks.example/x", events=["fixed"]
    )
    f = report(site)
    r = editor.patch(f"/findings/{f.pk}", {"status": "fixed"})
    assert r.status_code == 200 and r.json()["status"] == "fixed"
    change = StatusChange.objects.get(finding=f)
    assert (change.user, change.old_status, change.new_status, change.new_note) == (
        people["editor"],
        "new",
        "fixed",
        None,
    )
    assert Notification.objects.filter(channel__site=site, event="finding.fixed").count() == 1
    # The same change again changes nothing and records nothing.
    assert editor.patch(f"/findings/{f.pk}", {"status": "fixed"}).status_code == 200
    assert StatusChange.objects.filter(finding=f).count() == 1


def test_a_note_alone_is_a_change_in_the_history(editor, site):
    f = report(site)
    assert editor.patch(f"/findings/{f.pk}", {"note": "Ask the author"}).json()["note"] == "Ask the author"
    assert editor.patch(f"/findings/{f.pk}", {"note": ""}).json()["note"] == ""
    notes = list(StatusChange.objects.filter(finding=f).values_list("old_status", "new_status", "new_note"))
    assert notes == [("new", "new", "Ask the author"), ("new", "new", "")]


def test_change_bodies_are_checked(editor, site):
    f = report(site)
    assert_error(editor.patch(f"/findings/{f.pk}", {}), 400, "body")
    assert_error(editor.patch(f"/findings/{f.pk}", {"stauts": "fixed"}), 400, "stauts")
    assert_error(editor.patch(f"/findings/{f.pk}", {"status": "done"}), 400, "status")
    assert_error(editor.patch(f"/findings/{f.pk}", {"note": "x" * 2001}), 400, "note")
    assert_error(editor.patch(f"/findings/{f.pk}", {"note": "a\x00b"}), 400, "note")
    assert_error(editor.patch(f"/findings/{f.pk}", {"status": 3}), 400, "status")
    assert_error(editor.patch(f"/findings/{f.pk}", "not json"), 400, "body")
    assert_error(editor.patch(f"/findings/{f.pk}", b"\xff\xfe"), 400, "body")
    assert_error(editor.patch(f"/findings/{f.pk}", {"note": "x" * 17000}), 413, "body")


def test_marking_duplicates(editor, site, other_site):
    original = report(site, "teh", 7)
    copy = report(site, "teh", 70, prefix="and ", suffix=" end")
    copy2 = report(site, "teh", 170, prefix="or ", suffix=" so")
    r = editor.patch(f"/findings/{copy.pk}", {"duplicate_of": original.pk})
    assert r.json()["status"] == "duplicate" and r.json()["duplicate_of"] == original.pk
    # A duplicate of a duplicate points at the original.
    assert (
        editor.patch(f"/findings/{copy2.pk}", {"status": "duplicate", "duplicate_of": copy.pk}).json()[
            "duplicate_of"
        ]
        == original.pk
    )
    assert ids(editor.get("/findings", {"status": "duplicate"})) == [copy2.pk, copy.pk]
    assert_error(editor.patch(f"/findings/{original.pk}", {"duplicate_of": original.pk}), 400, "duplicate_of")
    assert_error(editor.patch(f"/findings/{original.pk}", {"duplicate_of": copy.pk}), 400, "duplicate_of")
    assert_error(editor.patch(f"/findings/{original.pk}", {"status": "duplicate"}), 400, "duplicate_of")
    assert_error(
        editor.patch(f"/findings/{copy.pk}", {"status": "fixed", "duplicate_of": original.pk}), 400, "status"
    )
    theirs = report(other_site)
    assert_error(editor.patch(f"/findings/{copy.pk}", {"duplicate_of": theirs.pk}), 404, "duplicate_of")
    # Any other status removes the mark.
    assert editor.patch(f"/findings/{copy.pk}", {"status": "new"}).json()["duplicate_of"] is None


def test_a_duplicate_across_sites_is_refused(api, site, other_site, people):
    admin = api("admin")
    mine, theirs = report(site), report(other_site)
    assert_error(admin.patch(f"/findings/{mine.pk}", {"duplicate_of": theirs.pk}), 400, "duplicate_of")


def test_bulk_changes_all_or_nothing(api, site, other_site, make_site, people):
    a, b, c = report(site, "a", 0), report(site, "b", 10), report(site, "c", 20)
    Finding.objects.filter(pk=c.pk).update(status="spam")
    editor = api("editor")
    r = editor.post("/findings/bulk", {"ids": [a.pk, b.pk, c.pk, a.pk], "status": "spam", "note": "bot"})
    assert r.status_code == 200 and r.json() == {"changed": [a.pk, b.pk, c.pk], "unchanged": []}
    r = editor.post("/findings/bulk", {"ids": [a.pk, b.pk], "status": "spam"})
    assert r.json() == {"changed": [], "unchanged": [a.pk, b.pk]}
    theirs = report(other_site)
    assert_error(editor.post("/findings/bulk", {"ids": [a.pk, theirs.pk], "status": "new"}), 404, "ids.1")
    viewed = make_site(name="Viewed", domains=["viewed.example"], members=[(people["editor"], "viewer")])
    v = report(viewed)
    assert_error(editor.post("/findings/bulk", {"ids": [a.pk, v.pk], "status": "new"}), 403)
    assert Finding.objects.get(pk=a.pk).status == "spam"  # nothing changed
    assert_error(editor.post("/findings/bulk", {"ids": [], "status": "new"}), 400, "ids")
    assert_error(editor.post("/findings/bulk", {"ids": list(range(1, 502)), "status": "new"}), 400, "ids")
    assert_error(editor.post("/findings/bulk", {"ids": [a.pk]}), 400, "body")
    # A refused change in the middle rolls back the ones before it.
    assert_error(
        editor.post("/findings/bulk", {"ids": [b.pk, a.pk], "duplicate_of": a.pk}), 400, "duplicate_of"
    )
    assert Finding.objects.get(pk=b.pk).status == "spam"


def test_recheck_asks_the_page_reader_to_read_the_page_now(editor, site):
    f = report(site)
    PageCheck.objects.filter(page=f.page).update(due_at=timezone.now() + timedelta(days=3))
    r = editor.post(f"/findings/{f.pk}/recheck")
    assert r.status_code == 202
    assert r.json() == {"finding": f.pk, "page": "https://news.example/story", "findings_to_check": 1}
    check = PageCheck.objects.get(page=f.page)
    assert check.due_at <= timezone.now() and check.reason == "api"


@pytest.mark.parametrize("sort", ["-last_reported", "created"])
def test_pages_merged_from_parts_equal_one_query_over_all(api, site, make_site, people, monkeypatch, sort):
    """Each (site, status) part is read by its own index-backed query and merged; past
    MAX_PARTS parts, one query does it all. Both walk the same findings in the same order."""
    from typodesk.findings import listing

    sites = [site] + [
        make_site(name=f"S{i}", domains=[f"s{i}.example"], members=[(people["editor"], "viewer")])
        for i in range(3)
    ]
    t0 = timezone.now() - timedelta(days=2)
    for i in range(40):
        f = report(sites[i % 4], f"w{i}", i, when=t0 + timedelta(minutes=(i * 7) % 13))
        Finding.objects.filter(pk=f.pk).update(status=["new", "fixed", "spam"][i % 3])

    def walk():
        seen, cursor = [], None
        while True:
            body = (
                api("editor")
                .get(
                    "/findings",
                    {"status": "all", "sort": sort, "limit": 7, **({"cursor": cursor} if cursor else {})},
                )
                .json()
            )
            seen += [f["id"] for f in body["items"]]
            if not (cursor := body["next_cursor"]):
                return seen

    merged = walk()
    monkeypatch.setattr(listing, "MAX_PARTS", 0)
    assert walk() == merged and len(merged) == 40 == len(set(merged))


def test_the_desk_shows_what_the_api_changed(api, client, site, people):
    original, copy = report(site, "teh", 7), report(site, "teh", 70, prefix="and ", suffix=" end")
    editor = api("editor")
    editor.patch(f"/findings/{copy.pk}", {"duplicate_of": original.pk, "note": "Same <b>typo</b>"})
    client.force_login(people["viewer"])
    page = client.get(f"/desk/findings/{copy.pk}/").content.decode()
    assert f'href="/desk/findings/{original.pk}/"' in page and "Duplicate of" in page
    assert '<p class="note">Same &lt;b&gt;typo&lt;/b&gt;</p>' in page
    assert "note: “Same &lt;b&gt;typo&lt;/b&gt;”" in page
    assert '<span class="actor">editor@news.example</span>' in page
    assert "duplicate" in client.get("/desk/", {"status": "duplicate"}).content.decode()
