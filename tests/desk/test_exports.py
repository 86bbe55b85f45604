"""The desk's CSV and JSON downloads as an editor gets them: a CSV that Excel opens as UTF-8 (a byte
order mark), files named by the site and the day rather than its opaque key, and the spreadsheet
formula guard still on."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from typodesk.findings.services import Quote, record_report

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def editor_desk(client, make_user, make_site):
    editor = make_user("editor@news.example", None)
    site = make_site(name="Новости Баку", members=[(editor, "editor")])
    record_report(
        site,
        url="https://news.example/politika",
        quote=Quote("ашибка", "Это была ", " новость", 9, 15),
        title="Главная новость",
        comment='=HYPERLINK("http://evil.example")',
        lang="ru",
    )
    client.force_login(editor)
    return client, site


def test_the_inbox_csv_opens_in_excel_and_is_named_by_the_site(editor_desk):
    client, site = editor_desk
    r = client.get(reverse("desk:inbox-export", args=["csv"]))
    body = b"".join(r.streaming_content)
    # The byte order mark once, at the very start; then UTF-8 Cyrillic as it is.
    assert body.startswith(BOM) and body.count(BOM) == 1
    text = body[len(BOM) :].decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][5] == "ашибка" and rows[1][2] == "Главная новость"
    assert rows[1][12].startswith("'=HYPERLINK")  # still no formula for spreadsheets
    day = timezone.localdate().isoformat()
    name = f"новости-баку-findings-{day}.csv"
    # An ASCII fallback and the UTF-8 name (RFC 6266), never the site's key.
    assert r["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    assert site.public_key not in r["Content-Disposition"]


def test_the_json_download_has_no_byte_order_mark(editor_desk):
    client, _site = editor_desk
    r = client.get(reverse("desk:inbox-export", args=["json"]))
    body = b"".join(r.streaming_content)
    assert body.startswith(b"{") and "findings-" in r["Content-Disposition"]


def test_several_sites_are_named_typodesk(editor_desk, make_site):
    from typodesk.accounts.models import User
    from typodesk.sites.models import Membership

    client, _site = editor_desk
    other = make_site(name="Sport", domains=["sport.example"])
    Membership.objects.create(site=other, user=User.objects.get(email="editor@news.example"), role="viewer")
    r = client.get(reverse("desk:inbox-export", args=["csv"]))
    day = timezone.localdate().isoformat()
    assert r["Content-Disposition"] == f'attachment; filename="typodesk-findings-{day}.csv"'


def test_the_api_csv_has_no_byte_order_mark(editor_desk, make_user):
    """Programs read the API's CSV: the mark would become part of the first column's name."""
    from typodesk.apiv1.tokens import create_token

    client, site = editor_desk
    _token, secret = create_token(site.memberships.first().user, site=site, name="x")
    r = client.get(
        f"/api/v1/sites/{site.public_key}/export", {"format": "csv"}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert r.status_code == 200 and body.startswith(b"id,")
