"""How an answer of :func:`typodesk.anchoring.verify` is judged against a labelled case.

The rules of the shared corpus (``shared/README.md``), in one place for the benchmark and the
tests: the verdict must match; for ``present`` the span must be the labelled one; for ``changed``
the located text must start within 3 characters of the labelled start and hold the labelled
replacement as whole words, being at most 40 characters longer than it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["span_right", "verdict_right"]

START_SLACK = 3
LONGER_SLACK = 40


def verdict_right(answer: dict[str, Any], expected: dict[str, Any]) -> bool:
    return answer["verdict"] == expected["verdict"]


def span_right(answer: dict[str, Any], expected: dict[str, Any], text: str) -> bool:
    """Whether the located span is right (``text``: the canonical new page). False for removed."""
    if not verdict_right(answer, expected) or expected["verdict"] == "removed":
        return False
    if expected["verdict"] == "present":
        return (answer["start"], answer["end"]) == (expected["start"], expected["end"])
    start, end = answer["start"], answer["end"]
    located = text[start:end]
    want = expected["replacement"] or ""
    if abs(start - expected["start"]) > START_SLACK or len(located) > len(want) + LONGER_SLACK:
        return False
    if not want:
        return True
    at = located.find(want)
    while at >= 0:
        before = located[at - 1] if at > 0 else " "
        after = located[at + len(want)] if at + len(want) < len(located) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        at = located.find(want, at + 1)
    return False
