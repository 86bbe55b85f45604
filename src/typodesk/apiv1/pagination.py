"""Keyset ("cursor") pagination: fast on the millionth row as on the first.

An offset makes the database count past every earlier row; a keyset asks for the rows after
the last one seen, ``(sort key, id) < (last key, last id)``, which an index on the sort key
answers directly however deep the page. The cursor carries that last row's key and id; it is
opaque to clients (base64 of JSON, which may change) and checked when it comes back.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from operator import attrgetter

from django.db.models import Model, Q, QuerySet

from typodesk.apiv1.errors import api_error

# sort parameter -> (model field, descending)
SORTS: dict[str, tuple[str, bool]] = {
    "-last_reported": ("last_reported", True),
    "last_reported": ("last_reported", False),
    "-created": ("created", True),
    "created": ("created", False),
}


def encode_cursor(sort: str, row: Model) -> str:
    field, _ = SORTS[sort]
    raw = json.dumps([sort, getattr(row, field).isoformat(), row.pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[datetime, int]:
    bad = api_error(400, "This cursor is not one the API gave out (or it is from another sort).", "cursor")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        got_sort, key, pk = json.loads(raw)
        value = datetime.fromisoformat(key)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise bad from None
    if got_sort != sort or not isinstance(pk, int) or not 0 < pk < 2**63 or value.tzinfo is None:
        raise bad
    return value, pk


# Up to this many partitions (say, sites x statuses) are read one by one and merged; beyond, one
# query for all (see keyset_page).
MAX_PARTITIONS = 40


def keyset_page(
    qs: QuerySet, sort: str, cursor: str | None, limit: int, partitions: list[dict] | None = None
) -> tuple[list, str | None]:
    """One page of ``qs`` in ``sort`` order after ``cursor``, and the cursor of the next page.

    ``partitions`` (filters that split ``qs`` into parts, e.g. one per site and status) make
    each part its own query: an index on (site, status, key) then answers each directly, where
    one query over several sites and statuses would sort every matching row first. The parts'
    pages are merged here; a page costs one small query per part whatever the table's size.
    """
    field, desc = SORTS[sort]
    qs = qs.order_by(f"-{field}", "-pk") if desc else qs.order_by(field, "pk")
    if cursor:
        value, pk = decode_cursor(cursor, sort)
        # The first, redundant condition is a plain range the index can seek to; the second
        # breaks ties on the key by id.
        if desc:
            qs = qs.filter(**{f"{field}__lte": value}).filter(Q(**{f"{field}__lt": value}) | Q(pk__lt=pk))
        else:
            qs = qs.filter(**{f"{field}__gte": value}).filter(Q(**{f"{field}__gt": value}) | Q(pk__gt=pk))
    if partitions is not None and len(partitions) <= MAX_PARTITIONS:
        rows = [row for part in partitions for row in qs.filter(**part)[: limit + 1]]
        rows.sort(key=attrgetter(field, "pk"), reverse=desc)
        rows = rows[: limit + 1]
    else:
        rows = list(qs[: limit + 1])
    if len(rows) > limit:
        return rows[:limit], encode_cursor(sort, rows[limit - 1])
    return rows, None
