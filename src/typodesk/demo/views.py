"""The demo site: an article with the widget, a one-page CMS to correct it, and a mailbox.

Together with the desk they let a newcomer try the whole loop on one machine: report a mistake,
see it in the desk, correct the article and publish, and watch the page reader verify the fix and
the reader's thank-you mail arrive.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from typodesk.demo import mailbox as demo_mailbox
from typodesk.demo import mode
from typodesk.demo.models import Article, split_paragraphs
from typodesk.findings.models import Page
from typodesk.pages.models import PageCheck
from typodesk.pages.schedule import schedule_now
from typodesk.sites.models import Membership, Site, role_of

DEMO_SITE_NAME = "Demo Gazette"
TITLE_MAX = 200
BODY_MAX = 20_000
EDIT_ROLES = {Membership.Role.OWNER, Membership.Role.EDITOR}


def _demo_site() -> Site:
    site = Site.objects.filter(name=DEMO_SITE_NAME).first()
    if site is None:
        raise Http404("The demo site does not exist here; run `typodesk demo` to create it.")
    return site


def _article(site: Site) -> Article:
    article = Article.objects.filter(site=site).first()
    if article is None:
        raise Http404("The demo article does not exist here; run `typodesk demo` to create it.")
    return article


def article(request):
    site = _demo_site()
    return render(
        request,
        "demo/article.html",
        {"site": site, "article": _article(site), "demo": mode.current() is not None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request):
    """The demo CMS: correct the article and publish; typodesk is asked to read the page again."""
    site = _demo_site()
    if role_of(request.user, site) not in EDIT_ROLES:
        return HttpResponseForbidden(
            "Only the demo site's editors may edit its article; log in as the editor `typodesk demo` printed."
        )
    article = _article(site)
    title, body, errors = article.title, article.body, []
    if request.method == "POST":
        title = request.POST.get("title", "").strip()
        body = request.POST.get("body", "")
        if not title:
            errors.append("The article needs a title.")
        elif len(title) > TITLE_MAX:
            errors.append(f"The title is longer than {TITLE_MAX} characters.")
        if not split_paragraphs(body):
            errors.append("The article needs some text.")
        elif len(body) > BODY_MAX:
            errors.append(f"The text is longer than {BODY_MAX:,} characters.")
        if not errors:
            article.title, article.body = title, body
            article.save()
            # What a CMS does after every edit: ask typodesk to read the page again (docs/verification.md).
            asked = sum(
                schedule_now(page, PageCheck.Reason.API)
                for page in Page.objects.filter(site=site, url__contains=reverse("demo:article"))
            )
            if asked:
                messages.success(
                    request,
                    "Published. typodesk reads the page again in a few seconds: "
                    "watch the finding in the desk.",
                )
            else:
                messages.success(request, "Published.")
            return redirect("demo:article")
    return render(
        request,
        "demo/edit.html",
        {"site": site, "title": title, "body": body, "errors": errors, "body_max": BODY_MAX},
        status=400 if errors else 200,
    )


@login_required
def mailbox(request):
    """What the editors and the readers would have received by e-mail; only in ``typodesk demo``."""
    demo = mode.current()
    if demo is None:
        raise Http404("The demo mailbox exists only while `typodesk demo` runs.")
    site = Site.objects.filter(pk=demo.site_id).first()
    if site is None or role_of(request.user, site) is None:
        raise Http404(
            "The demo mailbox is for the demo site's members; log in as the editor `typodesk demo` printed."
        )
    return render(request, "demo/mailbox.html", {"mails": demo_mailbox.read(demo.mailbox), "site": site})
