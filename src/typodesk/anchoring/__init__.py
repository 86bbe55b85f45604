"""Fix verification: is the mistake a reader reported still on the page?

``verify(selector, text, old_text=None)`` re-reads a page for a reader's quote and answers
"present", "changed" (with the words now standing in its place), "removed", or "uncertain" (the
quote still stands but the page changed too much around it to tell); see
:mod:`typodesk.anchoring.engine` for how, and :mod:`typodesk.anchoring.myers` for the
bit-parallel approximate matching it rests on.
"""

from typodesk.anchoring.engine import verify

__all__ = ["verify"]
