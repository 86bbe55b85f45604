"""Canonical page text shared by the reader widget and the server (see :mod:`.canonical`)."""

from typodesk.text.canonical import canonical_text, normalize

__all__ = ["canonical_text", "normalize"]
