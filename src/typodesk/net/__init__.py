"""Reaching other machines safely: the guard against private addresses (:mod:`.netguard`) and the
bounded page reader (:mod:`.fetch`).

A package of its own, below the apps (docs/architecture.md): notification channels, the page
reader's jobs and the domain check all use them, and none of those apps imports another for it.
"""
