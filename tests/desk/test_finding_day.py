"""The finding page for an editor's day (issue: regressions, spam, readers, suggestions, duplicates):
the rules, through the Django client. The browser side is in test_finding_day_browser.py."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.desk.test_finding import page_html, report
from typodesk.desk.suggestions import reduce, suggestions_of
from typodesk.findings.models import Finding, StatusChange
from typodesk.findings.services import set_status
from typodesk.sites.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor):
    return make_site(members=[(editor, "editor")])


@pytest.fixture
def desk(client, editor):
    client.force_login(editor)
    return client


def which(site, suggestion, reader, **kw):
    return report(
        site,
        exact="wich",
        start=9,
        prefix="it was a ",
        suffix=" moment, said the mayor",
        suggestion=suggestion,
        client_hash=reader,
        **kw,
    )


def test_suggestions_fold_case_and_the_context_readers_typed(site):
    for reader, text in enumerate(
        ["which", "Which", "it was a which moment", "It was a Which moment,", "which", "witch"]
    ):
        f = which(site, text, f"r{reader}")
    which(site, "which", "r0")  # the same reader again
    assert reduce("it was a which moment", f) == "which"
    assert reduce("was a which", f) == "which"
    assert reduce("a witch", Finding(exact="wich", prefix="it was a ", suffix="")) == "witch"
    got = [(s.text, s.count, s.variants) for s in suggestions_of(Finding.objects.get(pk=f.pk))]
    assert got == [("which", 5, ["Which"]), ("witch", 1, [])]


def test_readers_rank_above_the_spell_checker_which_is_marked_where_it_agrees(desk, site):
    f = which(site, "witch", "r1")
    which(site, "witch", "r2")
    which(site, "which", "r3")
    which(site, "which", "r4")
    Finding.objects.filter(pk=f.pk).update(spell_status="suggested", spell_suggestion="which")
    rows = suggestions_of(Finding.objects.get(pk=f.pk))
    assert [(s.text, s.count, s.machine) for s in rows] == [("which", 2, True), ("witch", 2, False)]
    html = page_html(desk, f)
    (listed,) = re.findall(r'<ol class="suggestions-diff">(.*?)</ol>', html, re.S)
    assert listed.index("which") < listed.index("witch") and "the spell checker agrees" in listed
    assert html.index('class="suggestions-diff"') < html.index('class="spell-suggestion"')


def regressed(f: Finding, by, marked_minutes_ago: int = 2) -> Finding:
    set_status(f, "fixed", by)
    StatusChange.objects.filter(finding=f, new_status="fixed").update(
        created=timezone.now() - timedelta(minutes=marked_minutes_ago)
    )
    evidence = {"after": {"prefix": "It was ", "text": "untill", "suffix": " the end"}}
    Finding.objects.filter(pk=f.pk).update(
        status="new", verification="still_on_page", verified_at=timezone.now(), evidence=evidence
    )
    return Finding.objects.get(pk=f.pk)


def test_a_regression_is_said_in_plain_words_and_named_when_someone_else_marked_it(
    desk, site, editor, make_user
):
    f = regressed(report(site, exact="untill", start=3), editor)
    html = page_html(desk, f)
    assert re.search(r'<span class="badge">Regressed</span>', html)
    assert re.search(
        r"You marked this fixed at \d\d?:\d\d( [AP]M)?, but “untill” is still on the page, checked", html
    ), html
    chief = make_user("chief@news.example")
    Membership.objects.create(site=site, user=chief, role="editor")
    desk.force_login(chief)
    assert "editor@news.example marked this fixed at" in page_html(desk, f)
    # The API says it too.
    assert f.is_regressed
    set_status(f, "rejected", chief)
    assert "Regressed" not in page_html(desk, f)


def test_the_quote_box_shows_what_the_page_says_now(desk, site):
    from typodesk.pages.models import PageCheck

    f = report(site)
    PageCheck.objects.update_or_create(
        page=f.page,
        defaults={
            "snapshot": "Nobody came late. It was teh best of times for the town.",
            "text": "Breaking news. Nobody came late. It was teh best of times for the town. Update at noon.",
            "last_success_at": timezone.now(),
        },
    )
    html = page_html(desk, f)
    (box,) = re.findall(r'<blockquote class="paragraph".*?</blockquote>', html, re.S)
    assert "Update at noon." in box  # only the latest reading says so


def test_a_finding_many_readers_confirm_shows_possible_spam_not_hidden(desk, site):
    f = report(
        site, comment="Please fix, this is embarrassing", client_hash="s", spam="the same comment on 3 pages"
    )
    for i in range(3):
        report(site, client_hash=f"r{i}")
    f.refresh_from_db()
    assert f.status == "new"
    html = page_html(desk, f)
    assert "Possible spam" in html and "1 report looks like spam (the same comment on 3 pages)" in html
    assert "but 3 readers reported it without anything suspicious" in html
    assert "looks like spam: the same comment on 3 pages" in html  # on the report itself
    assert html.count("</button>") > 0 and re.search(r'value="fixed"[^>]*class="primary"', html)
    assert len(re.findall(r'class="primary"', html)) == 1


def test_duplicate_search_lists_findings_of_the_same_page_only(desk, site):
    f = report(site)
    same = report(site, exact="untill", start=60, prefix="wait ", suffix=" noon")
    report(site, exact="untill", start=60, url=f"https://{site.hosts()[0]}/other")
    url = reverse("desk:finding-duplicates", args=[f.pk])
    answer = desk.get(url, {"q": "UNTIL"}).json()
    assert [c["id"] for c in answer["findings"]] == [same.pk] and answer["findings"][0][
        "status_label"
    ] == "New"
    assert desk.get(url, {"q": "nothing like it"}).json()["message"].startswith("No other finding")
    assert desk.get(url, {"q": "x" * 201}).status_code == 400


def test_a_duplicate_on_another_page_is_refused_saying_so(desk, site):
    f = report(site)
    elsewhere = report(site, exact="untill", start=60, url=f"https://{site.hosts()[0]}/other")
    answer = desk.get(reverse("desk:finding-duplicates", args=[f.pk]), {"q": f"#{elsewhere.pk}"}).json()
    assert answer["findings"] == [] and f"Finding #{elsewhere.pk} is on another page" in answer["message"]
    r = desk.post(
        reverse("desk:finding-status", args=[f.pk]), {"status": "duplicate", "duplicate_of": elsewhere.pk}
    )
    assert r.status_code == 400
    assert (
        f"Finding #{elsewhere.pk} is on another page (https://{site.hosts()[0]}/other)" in r.content.decode()
    )
    assert Finding.objects.get(pk=f.pk).status == "new"


def test_recheck_answers_json_for_the_script_and_the_reading_endpoint_follows_membership(
    desk, site, make_user, make_site, client
):
    f = report(site)
    r = desk.post(reverse("desk:finding-recheck", args=[f.pk]), HTTP_ACCEPT="application/json")
    assert r.status_code == 202 and json.loads(r.content)["scheduled"] is True
    reading = desk.get(reverse("desk:finding-reading", args=[f.pk])).json()
    assert reading["read_at"] is None and reading["reading"] is True
    stranger = make_user("stranger@else.example")
    make_site(name="Else", domains=["else.example"], members=[(stranger, "owner")])
    desk.force_login(stranger)
    assert desk.get(reverse("desk:finding-reading", args=[f.pk])).status_code == 404
    assert desk.get(reverse("desk:finding-duplicates", args=[f.pk]), {"q": "teh"}).status_code == 404


def test_russian_heading_does_not_clash_with_not_a_mistake(desk, site, editor):
    f = report(site)
    set_status(f, "rejected", editor)
    html = desk.get(reverse("desk:finding", args=[f.pk]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    (h1,) = re.findall(r"<h1>(.*?)</h1>", html, re.S)
    assert f"Замечание №{f.pk}" in h1 and "Ошибка" not in h1
    assert "Не ошибка" in html
    html = desk.get(reverse("desk:finding", args=[f.pk]), HTTP_ACCEPT_LANGUAGE="az").content.decode()
    (h1,) = re.findall(r"<h1>(.*?)</h1>", html, re.S)
    assert f"Tapıntı №{f.pk}" in h1


def test_the_inbox_row_and_the_api_say_regressed_and_count_readers(desk, site, editor, client):
    from tests.api.conftest import Api
    from typodesk.apiv1.tokens import create_token

    f = report(site, exact="untill", start=3, client_hash="r1")
    report(site, exact="untill", start=3, client_hash="r1")
    report(site, exact="teh", start=44, client_hash="r2")
    f = regressed(f, editor)
    inbox = desk.get(reverse("desk:inbox")).content.decode()
    rows = re.findall(r'<li class="finding row status-new[^"]*".*?</li>', inbox, re.S)
    assert len(rows) == 2
    assert [("untill" in row, '<span class="badge regressed">Regressed</span>' in row) for row in rows].count(
        (True, True)
    ) == 1
    assert sum('class="badge regressed"' in row for row in rows) == 1
    _, secret = create_token(editor)
    item = Api(client, secret).get(f"/findings/{f.pk}").json()
    assert item["regressed"] is True and item["status"] == "new"
    assert (item["report_count"], item["reader_count"]) == (2, 1)
