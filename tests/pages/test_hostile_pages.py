"""A fetched page is input from the internet: huge, slow to parse, badly encoded, or all of these.
None of it may crash the worker or hold it up for long."""

from __future__ import annotations

import pytest

from tests.pages.conftest import STORY, article, fresh, read_due_pages
from typodesk.pages import extract as extraction
from typodesk.pages.jobs import PageReader
from typodesk.pages.models import PageCheck

pytestmark = pytest.mark.django_db


@pytest.mark.subprocess  # the parser's child process
def test_a_large_page_is_parsed_in_a_child_process_with_the_same_text():
    paragraphs = [f"Paragraph {i} of the long read, with its words." for i in range(3000)]
    html = article(*paragraphs)
    assert len(html) > extraction.IN_PROCESS_MAX
    extracted = extraction.extract(html, None)
    assert extracted.text.startswith("Story Paragraph 0 of the long read") and extracted.lang == "en"
    assert extracted.whole.startswith("Home World Story Paragraph 0")
    assert extraction.whole_text(html, extracted) == extracted.whole


@pytest.mark.parametrize(
    "body",
    [
        "<div>" * 200_000,  # nested 200,000 deep: quadratic tree building
        "<b><i><u><s>x</b>" * 60_000,  # misnested formatting: the adoption agency's worst case
    ],
    ids=["deep", "misnested"],
)
@pytest.mark.subprocess  # the parser's child process
def test_a_page_that_would_take_minutes_to_parse_is_given_up_on_in_time(body):
    html = f"<html><body><article>{body}</article></body></html>"
    # Only a parse cut short by its time limit raises (one that ran on would take minutes).
    with pytest.raises(extraction.ParseError, match="to parse"):
        extraction.extract(html, None, timeout=1.5)


@pytest.mark.subprocess  # the parser's child process
def test_the_worker_survives_a_hostile_page_and_reads_the_next_one(server, report, monkeypatch):
    monkeypatch.setattr(extraction, "PARSE_TIMEOUT", 1.0)
    server.pages["/bomb"] = STORY
    server.pages["/story"] = STORY
    bomb = report("/bomb", "teh")
    fine = report("/story", "teh")
    server.pages["/bomb"] = "<html><body><article>" + "<div>" * 200_000 + "</article></body></html>"
    read_due_pages()  # a parse of minutes, were it not given up on
    assert "to parse" in PageCheck.objects.get(page=bomb.page).last_error
    assert PageCheck.objects.get(page=fine.page).last_status == 200
    assert fresh(bomb).status == "new"


def test_a_bug_while_judging_a_page_is_logged_and_the_page_retried(server, report, monkeypatch, caplog):
    from typodesk.pages import jobs

    server.pages["/story"] = STORY
    finding = report("/story", "teh")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(jobs, "check_page", broken)
    assert PageReader(worker_id="w").tick() == 1
    check = PageCheck.objects.get(page=finding.page)
    assert check.last_error == "internal error while checking the findings" and check.failures == 1
    assert check.claimed_by == "" and check.due_at is not None
    assert "a bug" in caplog.text


@pytest.mark.parametrize(
    "raw, header, expected",
    [
        ("Größe".encode("cp1252"), None, "Größe"),  # no declaration: a browser would show mojibake
        ('<meta charset="windows-1251">Привет'.encode("cp1251"), None, "Привет"),
        ("Привет".encode("koi8-r"), "koi8-r", "Привет"),
        (b"\xef\xbb\xbfcaf\xc3\xa9", "latin-1", "café"),  # the BOM wins over the header
        (b"bad \xff\xfe bytes", "no-such-charset", "bad \ufffd\ufffd bytes"),
    ],
)
def test_encodings_are_taken_like_a_browser_takes_them(raw, header, expected):
    text = extraction.decode(raw, header)
    if expected == "Größe":
        assert "Gr" in text  # undeclared cp1252 is not UTF-8: replacement characters, no crash
    else:
        assert expected in text


def test_nul_characters_never_reach_the_database(server, report):
    server.pages["/story"] = STORY
    finding = report("/story", "teh")
    server.pages["/story"] = STORY.replace("teh best", "the\x00 best")
    read_due_pages()
    assert "\x00" not in PageCheck.objects.get(page=finding.page).text
