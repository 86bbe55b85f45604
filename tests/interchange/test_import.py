"""`typodesk import`: the JSON export read back — a restore, or a move to another instance —
idempotent, with reports grouped as live ones and the editors' decisions kept."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.cli.test_cli import one_line_error
from tests.conftest import Install, clean_env, own_database
from typodesk.findings.models import Finding, Report, StatusChange
from typodesk.interchange.export import export_chunks
from typodesk.interchange.importer import ImportFileError, import_json
from typodesk.notify.models import Channel, Notification
from typodesk.sites.models import Site


def export_doc(site) -> dict:
    return json.loads("".join(export_chunks(site, "json")))


def comparable(doc: dict) -> dict:
    """The export without what differs between instances: ids (duplicate marks become positions)."""
    doc = json.loads(json.dumps(doc))
    position = {f["id"]: i for i, f in enumerate(doc["findings"])}
    doc.pop("exported")
    doc["site"]["domains"].sort()
    for f in doc["findings"]:
        f.pop("id")
        f["duplicate_of"] = position.get(f["duplicate_of"])
        for r in f["reports"]:
            r.pop("id")
        for h in f["history"]:
            h["duplicate_of"] = position.get(h["duplicate_of"])
    return doc


@pytest.fixture
def exported(rich_site, tmp_path):
    path = tmp_path / "export.json"
    path.write_text("".join(export_chunks(rich_site["site"], "json")))
    return path


@pytest.mark.django_db
class TestImport:
    def test_round_trip_into_an_empty_instance(self, rich_site, exported):
        before = export_doc(rich_site["site"])
        key = rich_site["site"].public_key
        Site.objects.all().delete()
        result = import_json(exported)
        assert result.site_created and result.site.public_key == key
        assert (result.reports_added, result.reports_present, result.findings_created) == (7, 0, 5)
        after = export_doc(Site.objects.get(public_key=key))
        assert comparable(after) == comparable(before)

    def test_importing_again_adds_nothing(self, rich_site, exported):
        before = comparable(export_doc(rich_site["site"]))
        counts = (Finding.objects.count(), Report.objects.count(), StatusChange.objects.count())
        for _ in range(2):  # into the instance it came from, then once more
            result = import_json(exported)
            assert (result.reports_added, result.reports_present, result.findings_created) == (0, 7, 0)
            assert result.findings_updated == 0 and not result.site_created
        assert (Finding.objects.count(), Report.objects.count(), StatusChange.objects.count()) == counts
        assert comparable(export_doc(rich_site["site"])) == before

    def test_import_into_another_site_and_no_notifications(self, rich_site, exported, make_site):
        target = make_site(name="Mirror", domains=["mirror.example"])
        Channel.objects.create(
            site=target,
            kind="webhook",
            name="h",
            target="https://hooks.example/x",
            events=["new", "reported", "fixed"],
        )
        result = import_json(exported, target.public_key)
        assert result.site == target and result.findings_created == 5
        assert Finding.objects.filter(site=target).count() == 5
        assert not Notification.objects.exists()  # old reports are not news
        assert Finding.objects.get(site=target, note="Corrected in the CMS").status == "fixed"
        dup = Finding.objects.get(site=target, status="duplicate")
        assert dup.duplicate_of.site == target and dup.duplicate_of.exact == "recieve"

    def test_the_more_recent_decision_wins(self, rich_site, exported):
        doc = json.loads(exported.read_text())
        a = next(f for f in doc["findings"] if f["id"] == rich_site["a"].pk)
        a["status"], a["note"] = "rejected", "Changed on the other instance"
        later = Finding.objects.get(pk=rich_site["a"].pk).status_changed + timedelta(hours=1)
        a["status_changed"] = later.isoformat()
        a["history"].append(
            {
                "created": later.isoformat(),
                "user": None,
                "old_status": "fixed",
                "new_status": "rejected",
                "reason": "",
                "note": "Changed on the other instance",
                "duplicate_of": None,
            }
        )
        exported.write_text(json.dumps(doc))
        assert import_json(exported).findings_updated == 1
        f = Finding.objects.get(pk=rich_site["a"].pk)
        assert (f.status, f.note, f.status_changed) == ("rejected", "Changed on the other instance", later)
        assert [h.new_status for h in f.history.order_by("created")] == ["fixed", "rejected"]
        # The older decision in the original file no longer applies.
        a["status"], a["status_changed"] = "new", (later - timedelta(days=1)).isoformat()
        exported.write_text(json.dumps(doc))
        assert import_json(exported).findings_updated == 0
        assert Finding.objects.get(pk=rich_site["a"].pk).status == "rejected"

    def test_new_reports_in_the_file_join_their_findings(self, rich_site, exported):
        doc = json.loads(exported.read_text())
        a = next(f for f in doc["findings"] if f["id"] == rich_site["a"].pk)
        extra = dict(a["reports"][-1], id=999, created="2025-03-01T12:00:00+00:00", comment="One more")
        a["reports"].append(extra)
        exported.write_text(json.dumps(doc))
        result = import_json(exported)
        assert (result.reports_added, result.findings_created) == (1, 0)
        f = Finding.objects.get(pk=rich_site["a"].pk)
        # Older than the fix: it joins the finding without reopening it.
        assert f.report_count == 4 and f.status == "fixed"

    @pytest.mark.parametrize(
        "content,message",
        [
            ("not json", "is not JSON"),
            ('{"format": "something-else"}', "not a typodesk export"),
            ('{"format": "typodesk-findings", "version": 2, "site": {}, "findings": []}', "newer typodesk"),
            (
                '{"format": "typodesk-findings", "version": 1, "site": {"name": "N", "key": "k"}, "findings": [{"id": 1}]}',
                "findings.0.status",
            ),
            (
                '{"format": "typodesk-findings", "version": 1, "site": {"name": "N", "key": "k"}, "findings": [{"id": 1, '
                '"status": "new", "created": "2025-01-01T00:00:00Z", "reports": [{"created": "2025-01-01T00:00:00Z", '
                '"url": "https://n.example/", "quote": {"exact": "ab", "start": 0, "end": 5}}]}]}',
                "findings.0.reports.0.quote",
            ),
            (
                '{"format": "typodesk-findings", "version": 1, "site": {"name": "N", "key": "k"}, "findings": [{"id": 1, '
                '"status": "new", "created": "2025-01-01T00:00:00Z", "reports": [{"created": "2025-01-01T00:00:00Z", '
                '"url": "https://n.example/", "comment": "a\\u0000b", "quote": {"exact": "ab", "start": 0, "end": 2}}]}]}',
                "findings.0.reports.0.comment",
            ),
            (
                '{"format": "typodesk-findings", "version": 1, "site": {"name": "N", "key": "k"}, "findings": [{"id": 1, '
                '"status": "new", "created": "2025-01-01T00:00:00Z", "reports": [{"created": "2025-01-01T00:00:00Z", '
                '"url": "ftp://n.example/", "quote": {"exact": "ab", "prefix": "'
                + "x" * 65
                + '", "start": 0, "end": 2}}]}]}',
                "findings.0.reports.0.url",
            ),
        ],
    )
    def test_a_file_it_cannot_use_is_refused_with_the_reason(self, db, tmp_path, content, message):
        path = tmp_path / "bad.json"
        path.write_text(content)
        with pytest.raises(ImportFileError, match=message):
            import_json(path)
        assert not Site.objects.exists()


@pytest.fixture
def second_install(tmp_path):
    """Another instance: its own data directory, or its own PostgreSQL database."""
    env = clean_env()
    env["TYPODESK_DATA_DIR"] = str(tmp_path / "data2")
    dropdb = own_database(env)
    inst = Install(env=env, data_dir=tmp_path / "data2")
    yield inst
    dropdb()


SEED = """
from datetime import datetime, timedelta, UTC
from typodesk.accounts.models import User
from typodesk.findings.services import Quote, record_report, set_status
from typodesk.sites.models import Site
site = Site.objects.get()
ed = User.objects.get()
t = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
f = record_report(site, url="https://news.example/a", quote=Quote("teh", "It was ", " best", 7, 10), suggestion="the", when=t).finding
record_report(site, url="https://news.example/a", quote=Quote("teh", "It was ", " best", 7, 10), comment="again", when=t + timedelta(hours=1))
g = record_report(site, url="https://news.example/b", quote=Quote("colour", "", "", 0, 6), when=t + timedelta(days=1)).finding
set_status(f, "fixed", ed, note="done")
set_status(g, "rejected", ed)
"""


@pytest.mark.slow
def test_a_site_moves_between_instances_with_the_cli(install, second_install, tmp_path):
    password = "a-long-test-password\n"
    for inst in (install, second_install):
        inst.run("init")
        inst.run("createuser", "ed@news.example", "--password-stdin", input=password)
    key = install.run(
        "site", "add", "News", "--domain", "news.example", "--owner", "ed@news.example"
    ).stdout.strip()
    install.run("manage", "shell", "--no-imports", "-c", SEED)
    original = install.run("export", "--site", key).stdout
    path = tmp_path / "news.json"
    path.write_text(original)

    first = second_install.run("import", str(path))
    assert "(new site)" in first.stderr and "3 reports added" in first.stderr
    again = second_install.run("import", str(path))
    assert "0 reports added, 3 already here; 0 new findings, 0 updated" in again.stderr
    moved = second_install.run("export", "--site", key).stdout
    assert comparable(json.loads(moved)) == comparable(json.loads(original))

    missing = tmp_path / "missing.json"
    one_line_error(second_install.run("import", str(missing), check=False), "missing.json")
    path.write_text("{}")
    one_line_error(second_install.run("import", str(path), check=False), "not a typodesk export")
    one_line_error(second_install.run("import", str(path), "--site", "nope", check=False))
