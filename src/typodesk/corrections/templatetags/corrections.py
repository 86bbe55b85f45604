"""The finding page's "Publish a correction" box: one tag, so the desk's template only names it."""

from __future__ import annotations

from django import template

from typodesk.corrections.models import TEXT_MAX, TITLE_MAX, Correction, CorrectionChange
from typodesk.corrections.services import PUBLISHABLE, default_text
from typodesk.sites.models import Membership, role_of

register = template.Library()
EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}


@register.inclusion_tag("corrections/_finding.html", takes_context=True)
def correction_box(context, finding) -> dict:
    """The finding's correction (published or withdrawn) with its history and, for owners and
    editors, the form to publish, edit or withdraw it. What an editor just sent and was refused
    comes back in the form."""
    request = context["request"]
    correction = Correction.objects.filter(finding=finding).first()
    can_edit = role_of(request.user, finding.site) in EDIT_ROLES
    sent = request.POST if request.method == "POST" and "correction_text" in request.POST else None
    if sent is not None:
        kind, title, text = sent.get("kind", ""), sent.get("title", ""), sent.get("correction_text", "")
    elif correction is not None:
        kind, title, text = correction.kind, correction.title, correction.text
    else:
        kind, title, text = Correction.Kind.CORRECTION, finding.page.title, default_text(finding)
    changes = (
        list(CorrectionChange.objects.filter(correction=correction).select_related("user"))
        if correction is not None
        else []
    )
    return {
        "f": finding,
        "correction": correction,
        "live": correction is not None and correction.is_live,
        "changes": changes,
        "can_edit": can_edit,
        "can_publish": can_edit and finding.status in PUBLISHABLE,
        "opens_fixed": finding.status != finding.Status.FIXED,
        "kinds": Correction.Kind.choices,
        "kind": kind,
        "title": title,
        "text": text,
        "text_max": TEXT_MAX,
        "title_max": TITLE_MAX,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.inclusion_tag("corrections/_overview.html")
def corrections_card(site) -> dict:
    """The overview's card: corrections per month and the median time to a published correction."""
    from django.utils import formats

    from typodesk.corrections.stats import gather
    from typodesk.overview.views import duration

    stats = gather(site)
    return {
        "site": site,
        "stats": stats,
        "median_text": duration(stats.median_seconds) if stats.median_seconds is not None else None,
        "rows": [(m, formats.date_format(m, "YEAR_MONTH_FORMAT"), n) for m, n in stats.months],
    }
