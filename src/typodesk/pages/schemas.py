"""Bodies of ``POST /api/v1/sites/{key}/recheck`` (the endpoint lives in typodesk.apiv1.api)."""

from __future__ import annotations

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from typodesk.ingest.schemas import MAX_URL, Text, valid_http_url

#: A CMS may ask for the reading a little later, e.g. after its cache has been purged.
MAX_DELAY = 3600


class RecheckIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    url: Annotated[Text, AfterValidator(valid_http_url)] = Field(
        max_length=MAX_URL, description="The page that was just published, as readers reach it."
    )
    delay: int = Field(0, ge=0, le=MAX_DELAY, description="Seconds to wait before reading it.")


class RecheckOut(Schema):
    url: str
    scheduled: bool
    findings: int
