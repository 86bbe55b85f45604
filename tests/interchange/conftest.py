"""A site with findings of every kind, for the export and import tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from typodesk.findings.services import Quote, record_report, set_status
from typodesk.ingest.orphus import quote_of

T0 = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def report(site, exact, start, *, when, url="https://news.example/story", prefix="", suffix="", **kw):
    return record_report(
        site, url=url, quote=Quote(exact, prefix, suffix, start, start + len(exact)), when=when, **kw
    ).finding


@pytest.fixture
def editor(make_user):
    return make_user("editor@news.example", None)


@pytest.fixture
def rich_site(make_site, editor):
    """Four findings on two pages: reports with suggestions and comments, a fixed one with a
    note, a duplicate, an Orphus report without a position, text in three scripts."""
    site = make_site(
        name="News Example", domains=["news.example", "*.news.example"], members=[(editor, "editor")]
    )
    a = report(
        site, "teh", 7, when=T0, prefix="It was ", suffix=" best", title="Story", lang="en", suggestion="the"
    )
    report(
        site,
        "teh",
        7,
        when=T0 + timedelta(hours=1),
        url="https://news.example/story?utm_source=nl",
        prefix="It was ",
        suffix=" best",
        lang="en-GB",
        suggestion="the",
        comment="Typo, surely",
    )
    report(site, "teh", 7, when=T0 + timedelta(hours=2), prefix="It was ", suffix=" best", suggestion="then")
    b = report(
        site,
        "recieve",
        40,
        when=T0 + timedelta(days=1),
        url="https://www.news.example/other",
        prefix="will ",
        suffix=" the",
        title="Другая статья",
        lang="ru",
        suggestion="receive",
        comment='=HYPERLINK("http://evil.example")\nsecond line',
    )
    c = report(
        site,
        "recieve",
        140,
        when=T0 + timedelta(days=1, hours=3),
        url="https://www.news.example/other",
        prefix="we ",
        suffix=" it",
        suggestion="receive",
    )
    d = report(site, "Bakı şəhəri", 0, when=T0 + timedelta(days=2), suffix=" böyük", comment="Yazı səhvi")
    orphus = record_report(
        site,
        url="https://news.example/2009/old.html",
        quote=quote_of(
            {"c_pre": "Глава комиссии заявил, что ", "c_sel": "выбры", "c_suf": " пройдут в срок"}
        ),
        comment="опечатка",
        when=T0 + timedelta(days=3),
    ).finding
    set_status(a, "fixed", editor, note="Corrected in the CMS")
    set_status(c, None, editor, duplicate_of=b)
    set_status(d, "rejected", editor)
    return {"site": site, "a": a, "b": b, "c": c, "d": d, "orphus": orphus}
