"""A checker of the W3C Web Annotation Data Model's requirements (https://www.w3.org/TR/annotation-model/).

It asserts the MUSTs (and the SHOULDs typodesk promises) of the classes typodesk writes, and that
every property and class name is a term of the model's JSON-LD context (anno.jsonld), so that a
JSON-LD processor reading the export with that context drops nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
# The terms of http://www.w3.org/ns/anno.jsonld that typodesk's export may use.
CONTEXT_TERMS = {
    "@context", "id", "type", "body", "target", "source", "selector", "value", "format", "language",
    "purpose", "motivation", "created", "modified", "creator", "generator", "label", "total", "first",
    "last", "items", "partOf", "startIndex", "next", "prev", "exact", "prefix", "suffix", "start",
    "end", "name", "canonical", "via", "bodyValue",
}  # fmt: skip
CLASSES = {"Annotation", "AnnotationCollection", "AnnotationPage", "TextualBody", "SpecificResource",
           "TextQuoteSelector", "TextPositionSelector", "Software", "Text"}  # fmt: skip
# 3.3.5 Motivation and Purpose: the instances of oa:Motivation.
MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing", "highlighting",
    "identifying", "linking", "moderating", "questioning", "replying", "tagging",
}  # fmt: skip
BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def is_iri(value) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("urn", "tag"))


def is_datetime(value) -> bool:
    """xsd:dateTime with a time zone (the model: MUST be xsd:dateTime, SHOULD have a time zone)."""
    try:
        return datetime.fromisoformat(value).tzinfo is not None and "T" in value
    except (TypeError, ValueError):
        return False


def types(node) -> set:
    t = node.get("type")
    return set(t) if isinstance(t, list) else {t}


def check_terms(node, where="$") -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            assert key in CONTEXT_TERMS, f"{where}.{key} is not a term of anno.jsonld"
            if key == "type":
                assert types(node) <= CLASSES, f"{where}.type {value!r}"
            check_terms(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            check_terms(item, f"{where}[{i}]")


def check_selector(sel: dict, where: str) -> None:
    kind = sel.get("type")
    if kind == "TextQuoteSelector":  # 4.2.4
        assert isinstance(sel.get("exact"), str) and sel["exact"], f"{where}: exact MUST be given"
        for k in ("prefix", "suffix"):
            assert isinstance(sel.get(k, ""), str), f"{where}.{k}"
    elif kind == "TextPositionSelector":  # 4.2.5
        for k in ("start", "end"):
            assert isinstance(sel.get(k), int) and sel[k] >= 0, f"{where}.{k} MUST be a non-negative integer"
        assert sel["start"] <= sel["end"], where
    else:
        raise AssertionError(f"{where}: unexpected selector {kind!r}")


def check_annotation(a: dict, where: str, embedded: bool) -> None:
    if not embedded:
        assert ANNO_CONTEXT in (a["@context"] if isinstance(a.get("@context"), list) else [a.get("@context")])
    assert is_iri(a.get("id")), f"{where}: an Annotation MUST have an IRI (3.1)"
    assert "Annotation" in types(a), f"{where}: type MUST include Annotation (3.1)"
    targets = a.get("target")
    assert targets, f"{where}: an Annotation MUST have 1 or more targets (3.1)"
    for i, t in enumerate(targets if isinstance(targets, list) else [targets]):
        if isinstance(t, str):
            assert is_iri(t)
            continue
        assert is_iri(t.get("source")), f"{where}.target[{i}]: a SpecificResource MUST have a source (4)"
        sels = t.get("selector", [])
        for j, s in enumerate(sels if isinstance(sels, list) else [sels]):
            check_selector(s, f"{where}.target[{i}].selector[{j}]")
    if "motivation" in a:
        assert a["motivation"] in MOTIVATIONS, f"{where}.motivation"
    for k in ("created", "modified"):
        if k in a:
            assert is_datetime(a[k]), f"{where}.{k} MUST be an xsd:dateTime"
    bodies = a.get("body", [])
    for i, b in enumerate(bodies if isinstance(bodies, list) else [bodies]):
        if isinstance(b, str):
            assert is_iri(b)
            continue
        if "TextualBody" in types(b):  # 3.2.4
            assert isinstance(b.get("value"), str), f"{where}.body[{i}]: a TextualBody MUST have a value"
        if "purpose" in b:
            assert b["purpose"] in MOTIVATIONS, f"{where}.body[{i}].purpose"
        if "language" in b:
            assert BCP47.match(b["language"]), f"{where}.body[{i}].language SHOULD be BCP47"
        if "created" in b:
            assert is_datetime(b["created"])


def check_collection(doc: dict) -> list[dict]:
    """Check an AnnotationCollection with its pages embedded; returns its annotations."""
    check_terms(doc)
    ctx = doc.get("@context")
    assert ANNO_CONTEXT in (ctx if isinstance(ctx, list) else [ctx]), (
        "@context MUST include anno.jsonld (5.1)"
    )
    assert is_iri(doc.get("id")), "a Collection MUST have an IRI (5.1)"
    assert "AnnotationCollection" in types(doc), "type MUST include AnnotationCollection (5.1)"
    assert isinstance(doc.get("label"), str), "label SHOULD be given (5.1)"
    annotations: list[dict] = []
    page = doc.get("first")
    index = 0
    while page:
        assert is_iri(page.get("id")), "a Page MUST have an IRI (5.2)"
        assert "AnnotationPage" in types(page), "type MUST include AnnotationPage (5.2)"
        assert isinstance(page.get("items"), list), "a Page MUST have items (5.2)"
        assert page.get("startIndex", index) == index
        for i, a in enumerate(page["items"]):
            check_annotation(a, f"items[{index + i}]", embedded=True)
        annotations += page["items"]
        index += len(page["items"])
        page = page.get("next") if isinstance(page.get("next"), dict) else None
    assert doc.get("total", len(annotations)) == len(annotations), "total counts the annotations (5.1)"
    assert len({a["id"] for a in annotations}) == len(annotations), "annotation ids are unique"
    return annotations
