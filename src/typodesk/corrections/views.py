"""The public corrections log of a site: a page, an Atom feed and a JSON form, in the site's
language, with no login and nothing from readers (typodesk.corrections.public).

Every answer carries an ETag and ``Cache-Control: public, max-age=60``: a proxy or CDN in front
of typodesk may serve them, and a browser asks again with ``If-None-Match`` (304 when nothing
changed). An unknown site key is a 404; a page number that is not a number is a 400.
"""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from typodesk.corrections.public import (
    PER_PAGE,
    PublicCorrection,
    cacheable,
    etag_of,
    json_response,
    live,
    not_modified,
    not_modified_response,
    public,
)
from typodesk.sites.models import Site

FEED_ITEMS = 50


class BadPage(ValueError):
    pass


def _site(key: str) -> Site:
    site = Site.objects.filter(public_key=key).first()
    if site is None:
        raise Http404("No site has this key: check the address of the corrections page.")
    return site


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1").strip() or "1"
    if not raw.isdigit() or int(raw) < 1:
        raise BadPage(f"page must be a whole number from 1 up, not {raw[:40]!r}.")
    return int(raw)


def _page(site: Site, number: int):
    paginator = Paginator(live(site), PER_PAGE, allow_empty_first_page=True)
    if number > paginator.num_pages:
        raise Http404(f"There is no page {number}: the corrections log has {paginator.num_pages}.")
    page = paginator.page(number)
    return page, [public(c) for c in page.object_list]


@require_safe
def corrections_page(request: HttpRequest, key: str) -> HttpResponse:
    site = _site(key)
    try:
        number = _page_number(request)
    except BadPage as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    etag = etag_of(site, "html", number)
    if not_modified(request, etag):
        return not_modified_response(etag)
    page, items = _page(site, number)
    language = site.default_language
    with translation.override(language):
        response = render(
            request,
            "corrections/public.html",
            {
                "site": site,
                "items": items,
                "page": page,
                "language": language,
                "feed_url": reverse("corrections-public:feed", args=[site.public_key]),
                "json_url": reverse("corrections-public:json", args=[site.public_key]),
            },
        )
    return cacheable(response, etag, language)


@require_safe
def corrections_json(request: HttpRequest, key: str) -> JsonResponse:
    site = _site(key)
    try:
        number = _page_number(request)
    except BadPage as exc:
        return JsonResponse({"error": str(exc), "field": "page"}, status=400)
    etag = etag_of(site, "json", number)
    if not_modified(request, etag):
        return not_modified_response(etag)
    try:
        page, items = _page(site, number)
    except Http404 as exc:
        return JsonResponse({"error": str(exc), "field": "page"}, status=404)
    here = reverse("corrections-public:json", args=[site.public_key])
    response = json_response(
        {
            "site": site.name,
            "language": site.default_language,
            "corrections": [c.as_json() for c in items],
            "page": number,
            "pages": page.paginator.num_pages,
            "next": f"{here}?page={number + 1}" if page.has_next() else None,
            "previous": f"{here}?page={number - 1}" if page.has_previous() else None,
        }
    )
    response["Access-Control-Allow-Origin"] = "*"  # public data, no credentials
    return cacheable(response, etag, site.default_language)


class CorrectionsFeed(Feed):
    """The site's latest corrections as Atom, in the site's language (the caller activates it).
    Summaries are sent as escaped HTML (Atom's
    type="html"), so that a feed reader shows a correction's text as text, never as markup."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, key: str) -> Site:
        self.request = request
        return _site(key)

    def title(self, site: Site) -> str:
        return _("Corrections: %(site)s") % {"site": site.name}

    def subtitle(self, site: Site) -> str:
        return _("Corrections and clarifications published by %(site)s.") % {"site": site.name}

    def link(self, site: Site) -> str:
        return reverse("corrections-public:page", args=[site.public_key])

    def feed_url(self, site: Site) -> str:
        return reverse("corrections-public:feed", args=[site.public_key])

    def items(self, site: Site) -> list[PublicCorrection]:
        return [public(c) for c in live(site)[:FEED_ITEMS]]

    def item_title(self, item: PublicCorrection) -> str:
        label = _("Clarification") if item.kind == "clarification" else _("Correction")
        return f"{label}: {item.title}"

    def item_description(self, item: PublicCorrection) -> str:
        return escape(item.text)

    def item_link(self, item: PublicCorrection) -> str:
        return item.url or reverse("corrections-public:page", args=[self._site_key])

    def item_guid(self, item: PublicCorrection) -> str:
        page = self.request.build_absolute_uri(reverse("corrections-public:page", args=[self._site_key]))
        return f"{page}#correction-{item.id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: PublicCorrection):
        return item.published

    def item_updateddate(self, item: PublicCorrection):
        return item.updated

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        self._site_key = kwargs["key"]
        return super().__call__(request, *args, **kwargs)


@require_safe
def corrections_feed(request: HttpRequest, key: str) -> HttpResponse:
    site = _site(key)
    etag = etag_of(site, "atom")
    if not_modified(request, etag):
        return not_modified_response(etag)
    with translation.override(site.default_language):
        response = CorrectionsFeed()(request, key=key)  # one per request: it keeps the request
    return cacheable(response, etag, site.default_language)
