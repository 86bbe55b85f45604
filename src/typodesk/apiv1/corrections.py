"""The corrections in the REST API: editors publish, edit and withdraw a finding's correction;
anyone reads a page's published corrections (with schema.org ``CorrectionComment`` JSON-LD for a
CMS that embeds them in the article, and for the widget's note under the article).

The public read needs no token and answers CORS requests from the site's own domains; it is
cacheable (ETag, ``Cache-Control: public, max-age=60``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status

from typodesk.apiv1.errors import ERRORS_READ, ERRORS_WRITE, ErrorOut, api_error
from typodesk.apiv1.schemas import Id
from typodesk.corrections.models import TEXT_MAX, TITLE_MAX, Correction, CorrectionChange
from typodesk.corrections.public import (
    cacheable,
    etag_of,
    json_response,
    not_modified,
    not_modified_response,
    public,
)
from typodesk.corrections.services import CorrectionError, publish, withdraw
from typodesk.findings.models import Page
from typodesk.findings.urlnorm import normalize_url
from typodesk.ingest.client import host_of
from typodesk.sites.models import Site

router = Router(tags=["corrections"])

Kind = Literal[tuple(Correction.Kind.values)]  # type: ignore[valid-type]


class CorrectionIn(Schema):
    kind: Kind = Field(description="correction: a fact was wrong; clarification: the text needed one.")
    text: str = Field(
        max_length=TEXT_MAX * 2, description=f"The public text (at most {TEXT_MAX} characters)."
    )
    title: str | None = Field(
        None, max_length=TITLE_MAX * 2, description="The article's title as published; default: the page's."
    )


class CorrectionChangeOut(Schema):
    action: str
    user: str | None = Field(description="Who made the change (e-mail address), null if the account is gone.")
    kind: str
    text: str
    created: datetime


class CorrectionOut(Schema):
    finding: int
    kind: str
    title: str
    text: str
    url: str
    published: datetime
    updated: datetime
    withdrawn: datetime | None
    history: list[CorrectionChangeOut]


class PublicCorrectionOut(Schema):
    id: int
    kind: str
    title: str
    url: str
    text: str
    published: str
    updated: str


class PageCorrectionsOut(Schema):
    url: str = Field(description="The page's address as typodesk normalises it.")
    corrections: list[PublicCorrectionOut]
    jsonld: dict | None = Field(
        description="schema.org JSON-LD of the page's corrections (CorrectionComment), null when none."
    )


def correction_out(c: Correction) -> dict:
    return {
        "finding": c.finding_id,
        "kind": c.kind,
        "title": c.title,
        "text": c.text,
        "url": c.page.url,
        "published": c.published_at,
        "updated": c.updated_at,
        "withdrawn": c.withdrawn_at,
        "history": [
            {
                "action": h.action,
                "user": h.user.email if h.user else None,
                "kind": h.kind,
                "text": h.text,
                "created": h.created,
            }
            for h in CorrectionChange.objects.filter(correction=c).select_related("user")
        ],
    }


@router.get(
    "/findings/{id}/correction",
    response={200: CorrectionOut, **ERRORS_READ},
    summary="Read a finding's correction",
    operation_id="getCorrection",
)
def get_correction(request, id: Id):
    f = request.auth.finding(id)
    c = Correction.objects.select_related("page").filter(finding=f).first()
    if c is None:
        raise api_error(404, f"Finding {id} has no correction.", "id")
    return correction_out(c)


@router.put(
    "/findings/{id}/correction",
    response={200: CorrectionOut, **ERRORS_WRITE},
    summary="Publish or edit a finding's correction",
    operation_id="putCorrection",
)
def put_correction(request, id: Id, payload: CorrectionIn):
    """Publishes the correction (or changes the published one, or publishes a withdrawn one
    again). A finding that is still open is marked fixed in the same step. Owners and editors."""
    access = request.auth
    f = access.finding(id)
    access.require_editor(f.site)
    try:
        c = publish(f, access.user, text=payload.text, kind=payload.kind, title=payload.title)
    except CorrectionError as exc:
        raise api_error(409 if exc.field == "status" else 400, str(exc), exc.field) from None
    return correction_out(Correction.objects.select_related("page").get(pk=c.pk))


@router.delete(
    "/findings/{id}/correction",
    response={204: None, **ERRORS_WRITE},
    summary="Withdraw a finding's correction",
    operation_id="withdrawCorrection",
)
def delete_correction(request, id: Id):
    """Takes the correction out of public view (the corrections page, feed, JSON, the article's
    note); it stays in the finding's history. Owners and editors."""
    access = request.auth
    f = access.finding(id)
    access.require_editor(f.site)
    if not withdraw(f, access.user):
        raise api_error(404, f"Finding {id} has no published correction.", "id")
    return Status(204, None)


def jsonld(page_url: str, items: list) -> dict | None:
    if not items:
        return None
    return {
        "@context": "https://schema.org",
        "@type": "Article",
        "url": page_url,
        "correction": [
            {
                "@type": "CorrectionComment",
                "text": c.text,
                "datePublished": c.published.isoformat(),
                "dateModified": c.updated.isoformat(),
            }
            for c in items
        ],
    }


def _cors(response: HttpResponse, request: HttpRequest, site: Site) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin and site.allows_host(host_of(origin)):
        response["Access-Control-Allow-Origin"] = origin
    response["Vary"] = "Origin"
    return response


@router.get(
    "/sites/{key}/corrections",
    response={200: PageCorrectionsOut, 304: None, 400: ErrorOut, 404: ErrorOut},
    summary="A page's published corrections (public)",
    operation_id="pageCorrections",
    auth=None,
)
def page_corrections(request, key: str, url: str = Query(..., max_length=4096)):
    """No token: the answer is public. For the widget's note under the article
    (``data-corrections="on"``) and for a CMS that embeds the ``jsonld`` in the page.
    CORS for the site's own domains; ETag and ``Cache-Control: public, max-age=60``."""
    site = Site.objects.filter(public_key=key).prefetch_related("domains").first()
    if site is None:
        raise api_error(404, "Unknown site key: check the data-site attribute of the script tag.", "key")
    page_host = host_of(url)
    if not page_host or not url.lower().startswith(("http://", "https://")):
        raise api_error(400, "url: give the page's full address, starting with http:// or https://.", "url")
    if not site.allows_host(page_host):
        raise api_error(400, f"Pages on {page_host} are not part of this site.", "url")
    page_url = normalize_url(url)
    page = Page.objects.filter(site=site, url_hash=Page.hash_url(page_url)).first()
    qs = Correction.objects.filter(page=page) if page else Correction.objects.none()
    etag = etag_of(site, "page", page_url, queryset=qs)
    if not_modified(request, etag):
        return _cors(not_modified_response(etag), request, site)
    items = [
        public(c)
        for c in qs.filter(withdrawn_at=None).select_related("page").order_by("-published_at", "-pk")
    ]
    body = {"url": page_url, "corrections": [c.as_json() for c in items], "jsonld": jsonld(page_url, items)}
    response = json_response(body)
    return _cors(cacheable(response, etag), request, site)
