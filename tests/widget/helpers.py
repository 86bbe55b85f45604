"""What the widget's tests share besides fixtures: the texts the reader sees, and locators."""

from __future__ import annotations

SITE_KEY = "test-site-key"
DIALOG = "typodesk-widget dialog[open]"
THANKS = "Thank you! The editors have received your report."
HOW_TO = "Found a mistake? Select it and press Ctrl+Enter."
OUTSIDE = "This text is outside the article. Select the mistake in the article’s own text."
BLANK = "Only spaces are selected. Select the words with the mistake."
QUEUED = "Could not send the report. It is saved and will be sent on your next visit."
# The floating button, in the widget's shadow root (Playwright's CSS locators pierce it).
BUTTON = "typodesk-widget button.b"


def context_before(text: str, start: int) -> str:
    """The prefix the widget sends for a quote at ``start`` of the canonical ``text``: 32 code
    points (all there are at the page's start: the server takes a shorter side for the edge),
    extended back to the space before a whole word, at most 64 (the API's limit)."""
    k = min(32, start)
    while k < start and k < 64 and text[start - k] != " ":
        k += 1
    return text[start - k : start]


def context_after(text: str, end: int) -> str:
    """The suffix, as :func:`context_before` the prefix: on to the space after a whole word."""
    n = len(text) - end
    k = min(32, n)
    while k < n and k < 64 and text[end + k - 1] != " ":
        k += 1
    return text[end : end + k]
