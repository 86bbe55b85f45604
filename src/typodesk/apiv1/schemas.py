"""What the REST API reads and writes. Field descriptions end up in the OpenAPI document.

Inputs are strict pydantic models that refuse unknown fields: an editor's typo ("stauts")
must be an error, not a silently ignored change. Outputs are plain dicts validated against
these schemas by django-ninja.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from typodesk.findings.models import Finding
from typodesk.findings.query import LEGACY_SORTS, SORTS, STATUSES
from typodesk.ingest.schemas import MAX_TEXT, valid_text
from typodesk.sites.models import Membership

# Ids are 64-bit in the database; anything bigger is refused as a 400 before a query fails.
MAX_ID = 2**53
BULK_MAX = 500

Text = Annotated[str, AfterValidator(valid_text)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
StatusName = Literal[tuple(Finding.Status.values)]  # type: ignore[valid-type]
StatusFilter = Literal[tuple(STATUSES)]  # type: ignore[valid-type]
Role = Literal[tuple(Membership.Role.values)]  # type: ignore[valid-type]
# The inbox's sorts (findings.query), then the API's older names for some of them.
Sort = Literal[tuple(SORTS) + tuple(LEGACY_SORTS)]  # type: ignore[valid-type]
ExportFormat = Literal["json", "csv", "jsonld"]


class _In(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


# Findings ------------------------------------------------------------------------------


class QuoteOut(Schema):
    exact: str
    prefix: str
    suffix: str
    start: int
    end: int


class SuggestionOut(Schema):
    text: str
    count: int = Field(description="How many readers suggested it.")


class VerificationOut(Schema):
    state: str = Field(
        description="What the last reading of the page found: none, fixed_on_page, still_on_page, "
        "text_gone, or uncertain (the page changed too much to tell; the finding stays open). "
        "See docs/verification.md."
    )
    checked_at: datetime | None
    replacement: str = Field(description="What the page now says instead of the quote.")


class SpellCheckerOut(Schema):
    state: str = Field(
        description="pending (not checked yet), suggested, none (nothing to correct), off (no dictionary)."
    )
    text: str = Field(
        description="With state suggested: the quote as the spell checker would correct it; empty with a"
        " reason: delete the quote (a repeated word)."
    )
    reason: str = Field(
        description='Why, when the correction reads the sentence (e.g. "repeated word", "than after a'
        ' comparative"); empty for a plain misspelling.'
    )


class FindingOut(Schema):
    id: int
    site: str = Field(description="The site's public key.")
    url: str = Field(description="The normalised page URL.")
    title: str
    lang: str
    status: StatusName
    regressed: bool = Field(
        description="Status new because the page reader found the mistake still on the page after"
        " someone marked it fixed; false again once an editor decides."
    )
    quote: QuoteOut
    report_count: int = Field(description="Reports received, every one counted.")
    reader_count: int = Field(
        description="Distinct readers among the reports (a reader who reported it twice counts once)."
    )
    suggestions: list[SuggestionOut] = Field(
        description="Readers' distinct suggestions, most frequent first."
    )
    created: datetime
    last_reported: datetime
    status_changed: datetime | None
    note: str = Field(description="The editors' note.")
    duplicate_of: int | None = Field(description="With status duplicate: the finding this one repeats.")
    verification: VerificationOut
    spell_checker: SpellCheckerOut = Field(
        description="The spell checker's own suggestion (docs/spelling.md)."
    )


class ReportOut(Schema):
    id: int
    created: datetime
    url: str = Field(description="The page URL as the reader's browser had it.")
    title: str
    lang: str
    quote: QuoteOut
    suggestion: str
    comment: str


class HistoryOut(Schema):
    created: datetime
    user: str | None = Field(description="E-mail of the editor; null for a change typodesk made itself.")
    old_status: str
    new_status: str
    reason: str = Field(description="Why typodesk made the change (e.g. the page reader), if it did.")
    note: str | None = Field(description="The note as this change set it; null: the note did not change.")
    duplicate_of: int | None


class FindingDetailOut(FindingOut):
    reports: list[ReportOut]
    history: list[HistoryOut]
    duplicates: list[int] = Field(description="Findings marked duplicates of this one.")


class FindingPage(Schema):
    items: list[FindingOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class FindingChangeIn(_In):
    status: StatusName | None = Field(None, description="The new status; omit to keep it.")
    note: Text | None = Field(None, max_length=MAX_TEXT, description='The editors\' note; "" removes it.')
    duplicate_of: Id | None = Field(
        None, description="Mark this finding a duplicate of that one (same site); implies status duplicate."
    )

    @model_validator(mode="after")
    def _something(self):
        if self.status is None and self.note is None and self.duplicate_of is None:
            raise ValueError("give at least one of status, note, duplicate_of")
        return self


class BulkChangeIn(FindingChangeIn):
    ids: list[Id] = Field(min_length=1, max_length=BULK_MAX, description=f"Up to {BULK_MAX} finding ids.")


class BulkOut(Schema):
    changed: list[int]
    unchanged: list[int] = Field(description="Findings that already were as asked.")


class RecheckOut(Schema):
    finding: int
    page: str = Field(description="The page that will be read again.")
    findings_to_check: int = Field(description="Findings on the page that the reading can change.")


# Sites and members ---------------------------------------------------------------------


class DomainProofOut(Schema):
    file_url: str = Field(description="Serve this file, holding file_content, …")
    file_content: str
    meta_tag: str = Field(description="… or put this tag in the head of home_url.")
    home_url: str


class DomainStateOut(Schema):
    host: str
    state: Literal["verified", "pending"] = Field(
        description="pending: added by an owner and not proved yet; it matches nothing (no report, "
        "CORS or Orphus form is accepted from it) until verified."
    )
    verified_at: datetime | None
    checked_at: datetime | None = Field(description="When typodesk last looked for the proof.")
    found: str = Field(description="What the last check found.")
    verification: DomainProofOut | None = Field(
        description="How to prove control (pending domains, for owners); null otherwise."
    )


class SiteOut(Schema):
    key: str = Field(description="The public key (data-site of the script tag).")
    name: str
    domains: list[str] = Field(description="Every domain of the site, verified or not (see domain_states).")
    domain_states: list[DomainStateOut] = Field(description="Each domain with its verification state.")
    root_selector: str
    role: Role = Field(description="Your role on the site (instance admins: owner).")
    created: datetime


Domain = Annotated[Text, Field(min_length=1, max_length=253)]


class SiteIn(_In):
    name: Text = Field(min_length=1, max_length=200)
    domains: list[Domain] = Field(
        min_length=1,
        max_length=50,
        description="news.example or *.news.example; each waits for verification (see domain_states).",
    )
    root_selector: Text = Field("", max_length=200)


class SitePatchIn(_In):
    name: Text | None = Field(None, min_length=1, max_length=200)
    domains: list[Domain] | None = Field(
        None, min_length=1, max_length=50, description="The whole list; new domains wait for verification."
    )
    root_selector: Text | None = Field(None, max_length=200)


class MemberOut(Schema):
    user_id: int
    email: str
    name: str
    role: Role
    created: datetime


class MemberIn(_In):
    email: Text = Field(min_length=3, max_length=254, description="An existing typodesk user.")
    role: Role = "editor"


class MemberPatchIn(_In):
    role: Role


class OverviewOut(Schema):
    site: str
    findings: dict[str, int] = Field(description="Findings by status, and the total.")
    open: int
    reports: dict[str, int] = Field(description="Reports: total, last_24h, last_7_days, last_30_days.")
    fixed_last_30_days: int
    oldest_open: datetime | None = Field(description="When the oldest open finding was first reported.")
    pages_with_open_findings: int
