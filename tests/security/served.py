"""A served instance with an owner, a site, a finding and an API token, for the attack tests.

Everything goes through the real ``typodesk serve`` process: the CLI sets it up, the owner
logs in through the desk's login form, as an attacker with an account would.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import Install, own_database

PASSWORD = "owner-password-for-tests"
EMAIL = "owner@news.example"


@dataclass
class Served:
    install: Install
    base: str
    key: str
    token: str

    def client(self, address: str = "127.0.0.1") -> httpx.Client:
        """A client connecting from ``address``, any of 127.0.0.0/8: each is a client address of its
        own to the server's per-address limits."""
        transport = httpx.HTTPTransport(local_address=address)
        return httpx.Client(base_url=self.base, timeout=60, follow_redirects=False, transport=transport)

    def login(self, email: str = EMAIL, password: str = PASSWORD, address: str = "127.0.0.1") -> httpx.Client:
        """A client logged in through the desk's login form."""
        c = self.client(address)
        r = login_attempt(c, email, password)
        assert r.status_code == 302, (r.status_code, r.text[:500])
        return c


def csrf_of(client: httpx.Client, path: str) -> str:
    html = client.get(path).text
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def login_attempt(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = csrf_of(client, "/desk/login/")
    return client.post(
        "/desk/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": str(client.base_url) + "/desk/login/"},
    )


def serve(tmp: Path, **env_extra: str):
    """A generator for fixtures: yields a :class:`Served` and stops the server afterwards."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TYPODESK_")}
    env.update(TYPODESK_DATA_DIR=str(tmp / "data"), PYTHONUNBUFFERED="1", TYPODESK_RATE_BURST="100000")
    env.update(env_extra)
    dropdb = own_database(env)
    inst = Install(env=env, data_dir=tmp / "data")
    try:
        inst.run("init")
        inst.run("createuser", EMAIL, "--password-stdin", input=PASSWORD + "\n")
        key = inst.run("site", "add", "News", "--domain", "news.example", "--owner", EMAIL).stdout.strip()
        token = inst.run("token", "add", EMAIL).stdout.strip().split()[-1]
        _, base = inst.serve()
        report = {
            "site": key,
            "url": "https://news.example/story",
            "title": "A story",
            "quote": {"exact": "teh", "prefix": "It was ", "suffix": " best", "start": 7, "end": 10},
            "suggestion": "the",
        }
        r = httpx.post(
            base + "/api/v1/reports", content=json.dumps(report), headers={"Content-Type": "text/plain"}
        )
        assert r.status_code == 201, r.text
        yield Served(inst, base, key, token)
    finally:
        inst.stop()
        dropdb()
