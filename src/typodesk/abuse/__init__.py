"""Defences against abuse of the public report endpoints (docs/abuse.md).

Per-site protection settings (rate limits, minimum time, proof-of-work, links allowed), the
per-site blocklists of client hashes and words, the once-only record of proof-of-work solutions,
content heuristics that send likely spam to the spam folder, and the desk's protection page.
The checks themselves run in :func:`typodesk.ingest.admission.admit`, shared by every way in.
"""
