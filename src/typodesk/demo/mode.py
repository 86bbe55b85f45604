"""Whether this process is ``typodesk demo``, and of which site: the demo-only pages ask here.

Set once by ``typodesk demo`` (one server process, the worker in a thread of it), never by
settings: an instance serving real sites has no demo mailbox page and no edit links, whatever its
environment says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DemoMode:
    site_id: int
    #: The Maildir the demo's SMTP server writes to (typodesk.demo.mailbox).
    mailbox: Path


_current: DemoMode | None = None


def start(site_id: int, mailbox: Path) -> DemoMode:
    global _current
    _current = DemoMode(site_id, mailbox)
    return _current


def stop() -> None:
    global _current
    _current = None


def current() -> DemoMode | None:
    return _current
