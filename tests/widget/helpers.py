"""What the widget's tests share besides fixtures: the texts the reader sees, and locators."""

from __future__ import annotations

SITE_KEY = "test-site-key"
DIALOG = "typodesk-widget dialog[open]"
THANKS = "Thank you! The editors have received your report."
HOW_TO = "Found a mistake? Select it and press Ctrl+Enter."
QUEUED = "Could not send the report. It is saved and will be sent on your next visit."
# The floating button, in the widget's shadow root (Playwright's CSS locators pierce it).
BUTTON = "typodesk-widget button.b"
