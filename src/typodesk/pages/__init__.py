"""Reading a site's pages: fix verification and the site's own vocabulary (see docs/verification.md)."""
