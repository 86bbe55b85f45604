"""The report a reader's browser sends, with the limits documented in the README."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from typodesk.findings.urlnorm import normalize_url

MAX_EXACT = 1000
MAX_CONTEXT = 64
MAX_TEXT = 2000
MAX_URL = 2048
MAX_EMAIL = 254
MAX_BODY = 16 * 1024


_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value: str) -> str:
    # Lone surrogates cannot be stored as UTF-8 and NUL cannot be stored by
    # PostgreSQL: refuse them here with a message instead of failing later.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if _SURROGATE.search(value):  # a regex: this runs on every string of every report
        raise ValueError("must be valid Unicode text (it contains a lone surrogate)")
    return value


def _url_problem(value: str) -> str:
    """What is wrong with a page address, or "" when nothing is."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be the page's full http:// or https:// address"
    if len(normalize_url(value)) > MAX_URL:
        # Stored as normalised: percent-encoding can make a long non-ASCII address several
        # times longer than the reader's browser showed it.
        return f"is too long: at most {MAX_URL} characters once percent-encoded"
    return ""


def valid_http_url(value: str) -> str:
    problem = _url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _email(value: str) -> str:
    if value:
        try:
            validate_email(value)
        except DjangoValidationError:
            raise ValueError("must be an e-mail address, like name@example.com") from None
    return value


Text = Annotated[str, AfterValidator(valid_text)]

# Input models are plain pydantic models: ninja's Schema would read attributes of
# any object, so a string sent where an object belongs would pass as "missing fields".


class QuoteIn(BaseModel):
    """A W3C TextQuoteSelector plus TextPositionSelector on the page's canonical text."""

    model_config = ConfigDict(strict=True, extra="ignore")

    exact: Text = Field(min_length=1, max_length=MAX_EXACT, description="The selected text.")
    prefix: Text = Field("", max_length=MAX_CONTEXT, description="Text right before the selection.")
    suffix: Text = Field("", max_length=MAX_CONTEXT, description="Text right after the selection.")
    start: int = Field(ge=0, le=100_000_000, description="Offset of the selection, in code points.")
    end: int = Field(ge=1, le=100_000_000, description="Offset after the selection, in code points.")

    @model_validator(mode="after")
    def _span(self) -> QuoteIn:
        if self.end - self.start != len(self.exact):
            raise ValueError(
                "end - start must equal the length of exact in code points "
                f"(got {self.end} - {self.start}, exact has {len(self.exact)})"
            )
        return self


class ReportIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    site: Text = Field(min_length=1, max_length=40, description="The site's public key.")
    url: Annotated[Text, AfterValidator(valid_http_url)] = Field(
        max_length=MAX_URL,
        description="The page's address (absolute http or https URL).",
        json_schema_extra={"format": "uri", "pattern": r"^https?://[^/?#\s]+"},
    )
    title: Text = Field("", max_length=500)
    lang: Text = Field("", max_length=35)
    quote: QuoteIn
    suggestion: Text = Field("", max_length=MAX_TEXT, description="The reader's corrected text.")
    comment: Text = Field("", max_length=MAX_TEXT)
    email: Annotated[Text, AfterValidator(_email)] = Field(
        "",
        max_length=MAX_EMAIL,
        description="The reader's address, to be told when the mistake is fixed. Kept only if the site "
        "lets readers leave one, and only until the finding is closed.",
    )
    # Spam defences (docs/abuse.md); the widget sends them, other clients may leave them out.
    website: str = Field(
        "",
        max_length=500,
        description="A honeypot: the widget's field hidden from people, always empty. "
        "A report with anything in it is refused.",
    )
    elapsed: int | None = Field(
        None,
        ge=0,
        le=10**10,
        description="Milliseconds from the dialog opening to sending; a report sent faster than the "
        "site's minimum time is refused.",
    )
    pow: str = Field(
        "",
        max_length=2000,
        description="An ALTCHA proof-of-work payload (base64 JSON) solving a challenge from "
        "GET /widget/pow/{site}; required while the site asks for it.",
    )


class ReportOut(Schema):
    id: int
    finding: int
    duplicate: bool


class ErrorOut(Schema):
    error: str
    field: str | None = None


class ReportErrorOut(ErrorOut):
    """A refused report: ``error`` for people who read English, ``code`` and ``retry_after`` for
    a client that says it in its reader's language (the widget does)."""

    code: str | None = Field(
        None,
        description="Why, as a machine word: rate_limited, unavailable, unknown_site, domain, origin, "
        "blocked, bad_body, too_large, honeypot, too_fast, pow. Absent when the request was not a "
        "report (a wrong method).",
    )
    retry_after: int | None = Field(
        None, description="Seconds until a report may be sent again (429 and 503; as Retry-After), else null."
    )
