"""Findings in and out of typodesk: JSON, CSV and W3C Web Annotation export, JSON import,
and the import of Orphus report mails (docs/export.md, docs/orphus-mail.md)."""
