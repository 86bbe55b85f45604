"""Template filters for a quote's context in the desk: whole words only (:mod:`typodesk.text.excerpt`)."""

from __future__ import annotations

from django import template

from typodesk.text.excerpt import words_after, words_before

register = template.Library()
register.filter("words_before", words_before)
register.filter("words_after", words_after)
