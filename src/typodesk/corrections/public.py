"""What the public sees of a site's corrections: the same rows for the page, the feed, the JSON
and the article note, and the validators (ETag) that let browsers and proxies keep them.

Only an editor's fields (kind, title, text), the page's address and the dates are ever read
here: nothing a reader sent, no note, no address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse

from typodesk import __version__
from typodesk.corrections.models import Correction
from typodesk.notify.content import clean, http_url
from typodesk.sites.models import Site

#: Seconds a browser or proxy may keep a public answer before it asks again (with its ETag).
MAX_AGE = 60
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
PER_PAGE = 20


@dataclass(frozen=True)
class PublicCorrection:
    id: int
    kind: str
    title: str
    url: str  # http(s) only, else ""
    text: str
    published: datetime
    updated: datetime

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "url": self.url,
            "text": self.text,
            "published": self.published.isoformat(),
            "updated": self.updated.isoformat(),
        }


# Characters XML 1.0 has no place for (clean() already drops the control characters): an Atom
# feed with one of them is not XML.
_NOT_XML = dict.fromkeys([0xFFFE, 0xFFFF])


def printable(value: str) -> str:
    """One line of text safe in HTML, XML and JSON alike (see typodesk.notify.content.clean)."""
    return clean(value, one_line=True).translate(_NOT_XML)


def live(site: Site) -> QuerySet[Correction]:
    """The site's published corrections, newest first."""
    return (
        Correction.objects.filter(site=site, withdrawn_at=None)
        .select_related("page")
        .only("id", "kind", "title", "text", "published_at", "updated_at", "page__url")
        .order_by("-published_at", "-pk")
    )


def public(c: Correction) -> PublicCorrection:
    url = http_url(c.page.url)
    return PublicCorrection(
        id=c.pk,
        kind=c.kind,
        title=printable(c.title) or url,
        url=url,
        text=printable(c.text),
        published=c.published_at,
        updated=c.updated_at,
    )


class SafeJSONEncoder(DjangoJSONEncoder):
    """JSON with ``<``, ``>`` and ``&`` written as ``\\u003c`` and so on, as Django's ``json_script``
    does: a CMS may paste the answer (the JSON-LD) into a ``<script>`` element of its page, and a
    correction's text must never close that element."""

    def encode(self, o) -> str:
        return super().encode(o).translate(_JSON_ESCAPES)


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_response(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(
        data, status=status, encoder=SafeJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


def etag_of(site: Site, *parts: object, queryset: QuerySet[Correction] | None = None) -> str:
    """A strong validator that changes whenever anything the answer shows may have changed: any
    correction of the site published, edited or withdrawn (each moves ``updated_at``), the site's
    name and language, and the request's own parts (page number, format, URL)."""
    qs = queryset if queryset is not None else Correction.objects.filter(site=site)
    state = qs.aggregate(n=Count("id"), last=Max("updated_at"))
    # typodesk's version too: an upgrade may change the page around the same corrections.
    facts = (__version__, site.pk, site.name, site.default_language, state["n"], state["last"])
    raw = "\0".join(str(x) for x in (*facts, *parts))
    return '"' + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24] + '"'


def not_modified(request: HttpRequest, etag: str) -> bool:
    given = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, "W/" + etag, "*") for tag in given.split(",")) if given else False


def cacheable(response: HttpResponse, etag: str, language: str | None = None) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    if language:
        response["Content-Language"] = language
    return response


def not_modified_response(etag: str) -> HttpResponse:
    return cacheable(HttpResponse(status=304), etag)
