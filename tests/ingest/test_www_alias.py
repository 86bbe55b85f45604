"""A site that treats www. and the bare domain as one takes reports from both, by every way in."""

from __future__ import annotations

import pytest

from typodesk.ingest.orphus import site_for
from typodesk.ingest.sitecache import invalidate

URL = "/api/v1/reports"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(make_site):
    s = make_site(domains=["news.example"])
    s.www_alias = True
    s.save()
    invalidate()
    return s


def preflight(client, origin):
    return client.options(URL, HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")


def test_the_www_twin_passes_the_preflight(client, site):
    r = preflight(client, "https://www.news.example")
    assert r.headers["Access-Control-Allow-Origin"] == "https://www.news.example"


def test_without_the_option_the_twin_is_a_stranger(client, site):
    site.www_alias = False
    site.save()
    invalidate()
    assert "Access-Control-Allow-Origin" not in preflight(client, "https://www.news.example").headers
    assert site_for("https://www.news.example/a") is None


def test_orphus_finds_the_site_by_its_twin(site, make_site):
    assert site_for("https://www.news.example/2026/story") == site
    # A site listing the www. host itself comes before another site's twin.
    other = make_site(name="Other", domains=["www.news.example"])
    assert site_for("https://www.news.example/2026/story") == other
