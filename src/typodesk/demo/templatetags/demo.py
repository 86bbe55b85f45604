"""Links to the demo's own pages, shown in the desk only while ``typodesk demo`` runs."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html

from typodesk.demo import mode

register = template.Library()


@register.simple_tag
def demo_mailbox_link() -> str:
    """The desk's menu entry for the demo mailbox; nothing on a real instance."""
    if mode.current() is None:
        return ""
    return format_html('<a href="{}">Demo mailbox</a>', reverse("demo:mailbox"))


@register.simple_tag
def demo_edit_link(finding) -> str:
    """On a finding of the demo site: the demo CMS's edit page, to fix the mistake on the page."""
    demo = mode.current()
    if demo is None or finding.site_id != demo.site_id:
        return ""
    return format_html(
        '<p class="demo-edit"><a class="button" href="{}">Edit this article</a> '
        '<span class="meta">(the demo\'s CMS: correct the text and publish, '
        "and typodesk verifies the fix)</span></p>",
        reverse("demo:edit"),
    )
