"""The three export formats: JSON (docs/export.md), CSV and W3C Web Annotation JSON-LD."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.interchange.webannotation import check_collection
from typodesk.interchange.export import export_chunks

pytestmark = pytest.mark.django_db


def export(site, fmt) -> str:
    return "".join(export_chunks(site, fmt))


def test_json_has_the_editorial_state_and_history(rich_site):
    doc = json.loads(export(rich_site["site"], "json"))
    assert doc["format"] == "typodesk-findings" and doc["version"] == 1
    assert sorted(doc["site"]["domains"]) == ["*.news.example", "news.example"]
    by_id = {f["id"]: f for f in doc["findings"]}
    a = by_id[rich_site["a"].pk]
    assert (a["status"], a["note"], a["report_count"], len(a["reports"])) == (
        "fixed",
        "Corrected in the CMS",
        3,
        3,
    )
    assert a["created"] == "2025-03-01T09:30:15.123456+00:00"  # the first report's time, to the microsecond
    assert [(h["user"], h["old_status"], h["new_status"], h["note"]) for h in a["history"]] == [
        ("editor@news.example", "new", "fixed", "Corrected in the CMS")
    ]
    c = by_id[rich_site["c"].pk]
    assert (c["status"], c["duplicate_of"]) == ("duplicate", rich_site["b"].pk)
    assert [f["id"] for f in doc["findings"]] == sorted(by_id)
    assert "client_hash" not in json.dumps(doc)


def test_csv_one_row_per_finding_safe_for_spreadsheets(rich_site):
    text = export(rich_site["site"], "csv")
    assert text.startswith(
        "id,url,title,lang,status,exact,prefix,suffix,start,end,report_count,suggestions,comments,"
    )
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(text))}
    assert len(rows) == 5
    a = rows[rich_site["a"].pk]
    assert (a["status"], a["exact"], a["report_count"], a["suggestions"]) == (
        "fixed",
        "teh",
        "3",
        "the\nthen",
    )
    assert a["comments"] == "Typo, surely" and a["note"] == "Corrected in the CMS"
    b = rows[rich_site["b"].pk]
    # A cell a spreadsheet would run as a formula is written as text.
    assert b["comments"] == '\'=HYPERLINK("http://evil.example")\nsecond line'
    assert b["title"] == "Другая статья"
    assert rows[rich_site["c"].pk]["duplicate_of"] == str(rich_site["b"].pk)
    assert rows[rich_site["d"].pk]["exact"] == "Bakı şəhəri"


def test_jsonld_is_a_valid_web_annotation_collection(rich_site, settings):
    settings.BASE_URL = "https://desk.news.example"
    doc = json.loads(export(rich_site["site"], "jsonld"))
    annotations = check_collection(doc)
    assert (
        doc["id"]
        == f"https://desk.news.example/api/v1/sites/{rich_site['site'].public_key}/export?format=jsonld"
    )
    assert doc["total"] == len(annotations) == 5
    by_id = {a["id"]: a for a in annotations}
    a = by_id[f"https://desk.news.example/desk/findings/{rich_site['a'].pk}/"]
    assert a["type"] == "Annotation" and a["motivation"] == "editing"
    assert a["target"] == {
        "source": "https://news.example/story",
        "selector": [
            {"type": "TextQuoteSelector", "exact": "teh", "prefix": "It was ", "suffix": " best"},
            {"type": "TextPositionSelector", "start": 7, "end": 10},
        ],
    }
    edits = [(b["value"], b.get("language")) for b in a["body"] if b["purpose"] == "editing"]
    comments = [b["value"] for b in a["body"] if b["purpose"] == "commenting"]
    tags = [b["value"] for b in a["body"] if b["purpose"] == "tagging"]
    assert edits == [("the", "en-GB"), ("then", "en-GB")]  # the page's language, as the last report gave it
    assert comments == ["Typo, surely"] and tags == ["status:fixed"]
    assert a["created"] == "2025-03-01T09:30:15.123456+00:00"


def test_every_finding_is_an_annotation_with_both_selectors_when_its_position_is_known(rich_site):
    annotations = check_collection(json.loads(export(rich_site["site"], "jsonld")))
    for ann in annotations:
        kinds = [s["type"] for s in ann["target"]["selector"]]
        if ann["id"].endswith(f"/{rich_site['orphus'].pk}/"):
            # An Orphus report has no position on the page: no TextPositionSelector rather than a false one.
            assert kinds == ["TextQuoteSelector"]
        else:
            assert kinds == ["TextQuoteSelector", "TextPositionSelector"]


def test_an_empty_site_exports_empty_documents(make_site):
    site = make_site(name="Empty", domains=["empty.example"])
    assert json.loads(export(site, "json"))["findings"] == []
    assert export(site, "csv").count("\n") == 1
    assert check_collection(json.loads(export(site, "jsonld"))) == []


@pytest.mark.slow
def test_the_cli_exports_all_three_formats(install):
    install.run("init")
    key = install.run("site", "add", "News", "--domain", "news.example").stdout.strip()
    for fmt in ("json", "csv", "jsonld"):
        out = install.run("export", "--site", key, "--format", fmt).stdout
        if fmt == "csv":
            assert out.startswith("id,url,")
        else:
            assert json.loads(out)
    assert (
        check_collection(json.loads(install.run("export", "--site", key, "--format", "jsonld").stdout)) == []
    )
