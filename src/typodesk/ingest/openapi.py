"""The report endpoint's part of the OpenAPI document.

``POST /api/v1/reports`` is answered in front of Django (:mod:`typodesk.ingest.endpoint`), so
django-ninja does not see it; this adds its operation, built from the same pydantic models the
endpoint validates with, to the document ninja makes for the rest of ``/api/v1``.
"""

from __future__ import annotations

from typing import Any

from typodesk.ingest.schemas import ReportErrorOut, ReportIn, ReportOut

REF = "#/components/schemas/{model}"
ERROR = "ReportErrorOut"


def _schema(model) -> tuple[dict, dict]:
    """A model's JSON schema and the schemas it refers to, with references into components."""
    schema = model.model_json_schema(ref_template=REF)
    return schema, schema.pop("$defs", {})


def with_report_endpoint(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with the operation of ``POST /api/v1/reports`` and its schemas added."""
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (ReportIn, ReportOut, ReportErrorOut):
        schema, defs = _schema(model)
        components.update(defs)
        components[model.__name__] = schema

    def answer(description: str, model: str) -> dict:
        return {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
        }

    body = {"$ref": REF.format(model="ReportIn")}
    document.setdefault("paths", {})["/api/v1/reports"] = {
        "post": {
            "operationId": "typodesk_ingest_report",
            "summary": "Report a mistake",
            "description": (
                "Store a reader's report; reports of the same span on the same page share one finding. "
                "Also accepted with `Content-Type: text/plain` (the same JSON), so browsers send it "
                "without a CORS preflight. CORS headers go only to an Origin that is one of the "
                "site's domains."
            ),
            "tags": ["reports"],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body}, "text/plain": {"schema": body}},
            },
            "responses": {
                "201": answer(
                    "Stored; `duplicate` is true when the report joined an existing finding.", "ReportOut"
                ),
                "400": answer(
                    "A field is missing, too long or of the wrong type; the body is not UTF-8 JSON.",
                    ERROR,
                ),
                "403": answer(
                    "Unknown site key; the page or the Origin is not one of the site's domains.", ERROR
                ),
                "413": answer("The body is over 16 KB.", ERROR),
                "429": answer(
                    "Too many reports (from one reader, to one site or to the server); `retry_after` and "
                    "`Retry-After` say in how many seconds to try again.",
                    ERROR,
                ),
                "503": answer(
                    "The database is busy or unreachable; `Retry-After` says when to try again.", ERROR
                ),
            },
        }
    }
    return document
