"""The finding page without a browser: context, suggestions, link to the live page, note, duplicate
mark, reports paging, permissions, localised dates."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from typodesk.findings.models import Finding, StatusChange
from typodesk.findings.services import Quote, record_report
from typodesk.pages.models import PageCheck
from typodesk.sites.models import Membership

pytestmark = pytest.mark.django_db

PARAGRAPH = (
    "The council met on Monday. Nobody came late. It was teh best of times for the town. "
    "The mayor said so twice. Then everyone went home."
)


def report(site, exact="teh", start=44, url=None, **kw):
    return record_report(
        site,
        url=url or f"https://{site.hosts()[0]}/story",
        quote=Quote(
            exact,
            kw.pop("prefix", "Nobody came late. It was "),
            kw.pop("suffix", " best of times"),
            start,
            start + len(exact),
        ),
        title=kw.pop("title", "A story"),
        **kw,
    ).finding


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


def page_html(client, f, query="") -> str:
    r = client.get(reverse("desk:finding", args=[f.pk]) + query)
    assert r.status_code == 200
    return r.content.decode()


def test_the_mistake_is_shown_in_its_paragraph_from_the_page_readers_text(desk, site):
    f = report(site)
    html = page_html(desk, f)
    # Without the page reader: the reader's own context.
    assert "…Nobody came late. It was <mark>" in html
    PageCheck.objects.update_or_create(
        page=f.page, defaults={"snapshot": PARAGRAPH, "text": PARAGRAPH.replace("teh", "the")}
    )
    html = page_html(desk, f)
    m = re.search(r'<blockquote class="paragraph">\s*<p>(.*?)</p>', html, re.S)
    text = re.sub(r"<[^>]+>", "", m.group(1)).replace("reported text: ", "")
    assert text == "Nobody came late. It was teh best of times for the town. The mayor said so twice."
    assert '<mark><span class="sr-only">reported text: </span>teh</mark>' in html
    assert "as typodesk read it" in html


def test_an_ambiguous_page_text_is_not_used(desk, site):
    f = report(site)
    PageCheck.objects.update_or_create(page=f.page, defaults={"snapshot": PARAGRAPH + " " + PARAGRAPH})
    assert "as the reader&#x27;s browser sent it" in page_html(desk, f) or "browser sent it" in page_html(
        desk, f
    )


def test_suggestions_are_word_diffs_with_counts_most_frequent_first(desk, site):
    f = report(site, "encountered with", start=10, suggestion="encountered")
    for _ in range(2):
        report(site, "encountered with", start=10, suggestion="met with")
    html = page_html(desk, f)
    items = re.findall(r'<li><span class="diff">(.*?)</span> <span class="n">(.*?)</span></li>', html)
    assert [(re.sub(r"<span class=\"sr-only\">[^<]*</span>", "", d), n) for d, n in items] == [
        ("<del>encountered</del><ins>met</ins> with", "2 readers"),
        ("encountered<del> with</del>", "1 reader"),
    ]
    assert '<del><span class="sr-only">removed: </span> with</del>' in html


def test_open_on_page_links_the_text_fragment_only_for_http_pages(desk, site):
    f = report(site)
    html = page_html(desk, f)
    link = re.search(
        r'<a class="button" href="([^"]+)" data-key="o" rel="noopener noreferrer" target="_blank">', html
    )
    assert link.group(1) == "https://news.example/story#:~:text=late.%20It%20was-,teh,-best%20of%20times"
    f.page.url = "javascript:alert(1)"
    f.page.save()
    assert 'data-key="o"' not in page_html(desk, f)


def test_buttons_carry_shortcut_keys_and_hide_the_current_status(desk, site):
    f = report(site)
    html = page_html(desk, f)
    keys = re.findall(r'<button type="submit" name="status" value="(\w+)" data-key="(\w)"', html)
    assert keys == [("fixed", "f"), ("rejected", "n"), ("spam", "s")]
    desk.post(reverse("desk:finding-status", args=[f.pk]), {"status": "spam"})
    keys = re.findall(r'name="status" value="(\w+)" data-key="(\w)"', page_html(desk, f))
    assert keys == [("fixed", "f"), ("rejected", "n"), ("new", "r")]


def test_the_note_is_saved_with_history_and_shown(desk, site, editor):
    f = report(site)
    r = desk.post(
        reverse("desk:finding-status", args=[f.pk]), {"note": "  Checked with the author.\r\n"}, follow=True
    )
    assert "Note saved." in r.content.decode()
    f.refresh_from_db()
    assert f.note == "Checked with the author." and f.status == "new"
    h = StatusChange.objects.get(finding=f)
    assert (h.user, h.new_note) == (editor, "Checked with the author.")
    html = page_html(desk, f)
    assert ">Checked with the author.</textarea>" in html
    assert "note: “Checked with the author.”" in html and "editor@news.example" in html
    r = desk.post(reverse("desk:finding-status", args=[f.pk]), {"note": "x" * 5001})
    assert r.status_code == 400 and "too long" in r.content.decode()


def test_duplicate_of_a_finding_of_the_same_site_only(desk, site, make_site):
    f = report(site)
    original = report(site, "wrold", start=80)
    other = report(make_site(name="Other", domains=["other.example"]), "elsewhere", start=3)
    url = reverse("desk:finding-status", args=[f.pk])
    r = desk.post(url, {"status": "duplicate", "duplicate_of": str(other.pk)})
    assert r.status_code == 400 and f"There is no finding #{other.pk} on News." in r.content.decode()
    r = desk.post(url, {"status": "duplicate", "duplicate_of": str(f.pk)})
    assert r.status_code == 400 and "cannot be a duplicate of itself" in r.content.decode()
    r = desk.post(url, {"status": "duplicate", "duplicate_of": "twelve"})
    assert r.status_code == 400 and "Enter the number" in r.content.decode()
    r = desk.post(url, {"status": "duplicate", "duplicate_of": f"#{original.pk}"}, follow=True)
    assert "Finding marked “Duplicate”." in r.content.decode()
    f.refresh_from_db()
    assert (f.status, f.duplicate_of_id) == ("duplicate", original.pk)
    html = page_html(desk, f)
    assert f'Duplicate of <a href="/desk/findings/{original.pk}/">finding #{original.pk}</a>' in html
    assert f'duplicate of <a href="/desk/findings/{original.pk}/">#{original.pk}</a>' in html  # history


def test_viewers_see_no_controls_and_cannot_post(client, site, make_user):
    viewer = make_user("viewer@news.example")
    Membership.objects.create(site=site, user=viewer, role="viewer")
    f = report(site)
    client.force_login(viewer)
    html = page_html(client, f)
    assert "<form" not in html.split('<main id="content">')[1].split("</main>")[0]
    assert 'data-key="o"' in html  # reading is allowed
    for data in ({"status": "fixed"}, {"note": "x"}, {"status": "duplicate", "duplicate_of": "1"}):
        assert client.post(reverse("desk:finding-status", args=[f.pk]), data).status_code == 403
    assert client.post(reverse("desk:finding-recheck", args=[f.pk])).status_code == 403


def reports_listed(html: str) -> list[str]:
    (listed,) = re.findall(r'<ol class="reports">(.*?)</ol>', html, re.S)
    return re.findall(r'<p class="comment">(.*?)</p>', listed)


def test_reports_are_summed_up_then_paged_newest_first(desk, site):
    for i in range(55):
        f = report(site, comment=f"comment {i}" if i % 5 else "Please fix", client_hash=f"r{i % 50}")
    html = page_html(desk, f)
    assert "55 reports from 50 readers" in html and "55 with a comment" in html
    (summary,) = re.findall(r'<div class="reports-summary">(.*?)</div>', html, re.S)
    assert '<q>Please fix</q> <span class="n">× 11</span>' in summary
    assert reports_listed(html) == [f"comment {i}" if i % 5 else "Please fix" for i in range(54, 44, -1)]
    assert "Reports 1–10 of 55, newest first." in html
    html = page_html(desk, f, "?reports=6")
    assert reports_listed(html) == ["comment 4", "comment 3", "comment 2", "comment 1", "Please fix"]
    for bad in ("x", "0", "99999999999999999999"):
        r = desk.get(reverse("desk:finding", args=[f.pk]) + "?reports=" + bad)
        assert r.status_code == 400 and "must be the number of a page of reports" in r.content.decode()
        assert len(reports_listed(r.content.decode())) == 10  # the first page, with the error


def test_dates_and_labels_follow_the_language(desk, site):
    f = report(site)
    html = desk.get(reverse("desk:finding", args=[f.pk]), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    months = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()
    assert any(m in html for m in months)
    assert f.status == Finding.Status.NEW


def test_the_quote_sent_back_is_no_suggestion_on_the_finding_page_or_in_the_inbox(desk, site):
    # Readers (or an import) that send the pre-filled quote unchanged suggest nothing.
    f = report(site, suggestion="teh")
    report(site, suggestion=" teh ")
    report(site, suggestion="the")
    html = page_html(desk, f)
    (listed,) = re.findall(r'<ol class="suggestions-diff">(.*?)</ol>', html, re.S)
    assert listed.count("<li>") == 1 and "<ins>" in listed and "the" in listed
    inbox = desk.get(reverse("desk:inbox")).content.decode()
    (shown,) = re.findall(r'<a class="fix title"[^>]*>(.*?)</a>', inbox, re.S)
    assert re.findall(r"<ins>(.*?)</ins>", shown) == ["the"]  # the best correction: not "teh"


def test_a_finding_whose_only_suggestion_is_the_quote_shows_none(desk, site):
    f = report(site, suggestion="teh")
    assert "Readers suggest" not in page_html(desk, f)
    inbox = desk.get(reverse("desk:inbox")).content.decode()
    assert "<ins" not in inbox and "<del>" not in inbox and "<mark>teh</mark>" in inbox
