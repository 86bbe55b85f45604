"""Fixtures of the page reader's tests: a news site on a local server, its findings, a worker tick."""

from __future__ import annotations

import pytest

from tests.pages.siteserver import SiteServer
from typodesk.findings.models import Finding
from typodesk.findings.services import Quote, record_report
from typodesk.net import fetch
from typodesk.pages.jobs import PageReader, SpellChecker
from typodesk.text import canonical_text

CONTEXT = 32


def article(*paragraphs: str, title: str = "Story", lang: str = "en", extra: str = "") -> str:
    """A news page: navigation and footer around the article, as real pages have."""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>{extra}"
        f"<footer>© News Example. All rights reserved.</footer></body></html>"
    )


STORY = article(
    "It was teh best of times in the old town, and the market was full of people.",
    "The mayor said the new bridge will open in spring, after the river has calmed down.",
    "Residents welcomed the news, although some worried about the trafic on the main road.",
)


def quote_in(html: str, exact: str, *, after: str = "", root: str | None = None) -> Quote:
    """The quote a reader's widget sends for ``exact`` (the first one after ``after``)."""
    text = canonical_text(html, root)
    start = text.index(exact, text.index(after) if after else 0)
    end = start + len(exact)
    return Quote(exact, text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT], start, end)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Desk users are made in most tests here; argon2 would dominate their run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def server():
    fetch.ROBOTS.clear()
    with SiteServer() as s:
        yield s


@pytest.fixture
def reader_settings(settings):
    """Local pages: allow loopback targets, read at once, short timeouts."""
    settings.TYPODESK_ALLOW_PRIVATE_TARGETS = True
    settings.TYPODESK_FETCH_FIRST_DELAY = 0
    settings.TYPODESK_FETCH_FIXED_DELAY = 0
    settings.TYPODESK_FETCH_TIMEOUT = 2
    return settings


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example")


@pytest.fixture
def site(make_site, editor, reader_settings):
    return make_site(name="News Example", domains=("localhost",), members=[(editor, "editor")])


@pytest.fixture
def report(site, server):
    """Report ``exact`` on the page at ``path`` as the widget would (the page must be served)."""

    def make(path: str, exact: str, *, after: str = "", lang: str = "en", **kw) -> Finding:
        html = server.pages[path]
        recorded = record_report(
            site,
            url=server.url(path),
            quote=quote_in(html, exact, after=after, root=kw.pop("root_used", None)),
            title="Story",
            lang=lang,
            **kw,
        )
        return recorded.finding

    return make


def read_due_pages(rounds: int = 5) -> int:
    """What a worker does: read every page that is due, until none is."""
    reader = PageReader(worker_id="test-worker")
    total = 0
    for _ in range(rounds):
        done = reader.tick()
        total += done
        if not done:
            break
    return total


def spell_check() -> int:
    return SpellChecker(worker_id="test-worker").tick()


def fresh(finding: Finding) -> Finding:
    finding.refresh_from_db()
    return finding
