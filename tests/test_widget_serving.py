"""How the server hands out widget.js: cacheable, revalidated, and pinnable by content hash."""

from typodesk.widget.views import widget_version


def test_widget_js_is_cacheable_for_an_hour_and_revalidates(client):
    r = client.get("/widget.js")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/javascript")
    assert r["Cache-Control"] == "public, max-age=3600"
    etag = r["ETag"]
    assert etag.strip('"') == widget_version()
    again = client.get("/widget.js", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""


def test_versioned_widget_url_is_immutable(client):
    r = client.get(f"/widget.{widget_version()}.js")
    assert r.status_code == 200
    assert "immutable" in r["Cache-Control"]
    assert b"".join(r.streaming_content if r.streaming else [r.content]) == client.get("/widget.js").content


def test_unknown_widget_version_is_404(client):
    assert client.get("/widget.000000000000.js").status_code == 404


def test_widget_sets_no_cookie_and_may_be_loaded_by_any_site(client):
    r = client.get("/widget.js")
    assert not r.cookies
    assert r["Access-Control-Allow-Origin"] == "*"
    assert r["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_the_corrections_note_is_immutable_and_an_old_hash_is_sent_to_todays(client):
    from typodesk.widget.build import note_path, widget

    path = "/" + note_path(widget().note.digest)
    r = client.get(path)
    assert r.status_code == 200 and r.content == widget().note.body
    assert "immutable" in r["Cache-Control"] and r["Access-Control-Allow-Origin"] == "*"
    old = client.get("/widget/corrections.0123456789ab.js")
    assert old.status_code == 302 and old["Location"] == path
