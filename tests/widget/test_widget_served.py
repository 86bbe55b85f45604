"""How the server sends the dialog part (forever, to any site) and the site options the dialog
asks for on first use. The loader itself: tests/test_widget_serving.py."""

from __future__ import annotations

import pytest

from typodesk.widget.build import dialog_path, widget

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang", ["en", "ru", "uk", "az", "tr"])
def test_the_dialog_of_each_language(client, lang):
    dialog = widget().dialogs[lang]
    r = client.get("/" + dialog_path(dialog.digest))
    assert r.status_code == 200 and r.content == dialog.body
    assert r["Content-Type"] == "text/javascript; charset=utf-8"  # a module script needs a JS type
    assert r["Cache-Control"] == "public, max-age=31536000, immutable"
    assert r["Access-Control-Allow-Origin"] == "*"  # module scripts are fetched with CORS


def test_a_loader_from_before_an_upgrade_gets_todays_dialog(client):
    r = client.get("/widget/dialog.0123456789ab.js")
    assert r.status_code == 302 and r["Location"] == "/" + dialog_path(widget().dialogs["en"].digest)
    assert r["Cache-Control"] == "no-store" and r["Access-Control-Allow-Origin"] == "*"


def test_site_options(client, make_site):
    site = make_site()
    r = client.get(f"/widget/site/{site.public_key}")
    # Off unless the site turns it on; no proof-of-work, and the default minimum time (docs/abuse.md).
    assert r.json() == {"email": False, "pow": False, "wait": 1500}
    assert r["Cache-Control"] == "public, max-age=300" and r["Access-Control-Allow-Origin"] == "*"
    site.allow_reader_email = True
    site.save()
    assert client.get(f"/widget/site/{site.public_key}").json()["email"] is True
    missing = client.get("/widget/site/no-such-key")
    assert missing.status_code == 404 and "data-site" in missing.json()["error"]
