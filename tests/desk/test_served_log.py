"""What ``typodesk serve`` writes to its log while it serves the desk's pages and files: no
"StreamingHttpResponse must consume synchronous iterators" warning (each static file used to
leave one), the files whole, and the icon browsers ask for on every page."""

from __future__ import annotations

import urllib.request

WARNING = "StreamingHttpResponse must consume synchronous iterators"


def fetch(url: str) -> tuple[int, bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.status, r.read(), r.headers.get("Content-Type", "")


def test_serving_pages_and_files_leaves_no_streaming_warning(install):
    from pathlib import Path

    import typodesk

    install.run("init")
    proc, url = install.serve()
    static = Path(typodesk.__file__).parent / "desk" / "static" / "desk"
    for name in ("desk.css", "phone.css", "copy.js", "favicon.svg"):
        status, body, _type = fetch(f"{url}/static/desk/{name}")
        assert status == 200 and body == (static / name).read_bytes(), name
    status, body, ctype = fetch(url + "/favicon.ico")
    assert status == 200 and ctype == "image/vnd.microsoft.icon" and body[:4] == b"\0\0\1\0"
    status, body, _type = fetch(url + "/desk/login/")
    assert status == 200 and b'rel="icon"' in body
    install.stop()
    log = proc.stdout.read()
    assert "Application startup complete" in log  # the server's own log
    assert WARNING not in log, log
