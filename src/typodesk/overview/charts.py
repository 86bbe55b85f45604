"""Charts as inline SVG, drawn on the server: no script, no library, no request to anyone.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that say in words what it
shows (the page also has the numbers in a table). Horizontal positions are percentages of the
chart's width and the SVG has no viewBox, so a chart stretches to any screen, from a 360-pixel
phone up, while its text keeps its size. Colours come from overview.css (the desk's CSP allows no
inline styles). Every number drawn is also in a ``data-value`` attribute, and every text that
comes from readers or pages is escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = count(1)


@dataclass(frozen=True)
class Bar:
    label: str  # shown, and in the bar's tooltip
    value: float
    text: str  # the value as shown (localised)
    key: str = ""  # data-key: what the bar stands for (a date, a status…)
    css: str = ""


def _pct(x: float) -> str:
    return f"{x:.3f}".rstrip("0").rstrip(".") + "%"


def nice_max(value: float) -> float:
    """A round number at least ``value`` for the top of an axis: 1, 2, 5 × 10^n."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _open(title: str, desc: str, height: int, css: str) -> tuple[str, str]:
    n = next(_ids)
    head = (
        f'<svg class="chart {css}" width="100%" height="{height}" role="img" '
        f'aria-labelledby="chart-t{n} chart-d{n}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def columns(
    bars: list[Bar], *, title: str, desc: str, axis_labels: tuple[str, str, str], tick_text, height: int = 190
) -> SafeString:
    """Vertical bars over time (reports per day, median per week), with a value axis and gridlines.

    ``axis_labels``: the first, middle and last labels under the axis; ``tick_text(v)`` formats
    an axis value.
    """
    head, tail = _open(title, desc, height, "chart-columns")
    top, bottom = 18, 24
    plot = height - top - bottom
    peak = nice_max(max((b.value for b in bars), default=0))
    parts = [head]
    for frac in (0, 0.5, 1):
        y = top + plot * (1 - frac)
        parts.append(
            f'<line class="grid" x1="0" x2="100%" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="0" y="{y - 3:.1f}">{escape(tick_text(peak * frac))}</text>'
        )
    n = max(len(bars), 1)
    slot = 100 / n
    for i, b in enumerate(bars):
        h = plot * (b.value / peak) if peak else 0
        y = top + plot - h
        parts.append(
            f'<rect class="bar {escape(b.css)}" x="{_pct(i * slot + slot * 0.1)}" width="{_pct(slot * 0.8)}" '
            f'y="{y:.1f}" height="{max(h, 0):.1f}" data-key="{escape(b.key)}" data-value="{b.value:g}">'
            f"<title>{escape(b.label)}: {escape(b.text)}</title></rect>"
        )
    base = height - 6
    first, middle, last = axis_labels
    parts.append(
        f'<text class="axis" x="0" y="{base}">{escape(first)}</text>'
        f'<text class="axis" x="50%" y="{base}" text-anchor="middle">{escape(middle)}</text>'
        f'<text class="axis" x="100%" y="{base}" text-anchor="end">{escape(last)}</text>'
    )
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


def stacked(bars: list[Bar], *, title: str, desc: str, height: int = 44) -> SafeString:
    """One horizontal bar cut into parts (open and closed findings by status)."""
    head, tail = _open(title, desc, height, "chart-stacked")
    total = sum(b.value for b in bars)
    parts = [head]
    x = 0.0
    for b in bars:
        w = 100 * b.value / total if total else 0
        parts.append(
            f'<rect class="part {escape(b.css)}" x="{_pct(x)}" width="{_pct(w)}" y="4" height="{height - 8}" '
            f'data-key="{escape(b.key)}" data-value="{b.value:g}">'
            f"<title>{escape(b.label)}: {escape(b.text)}</title></rect>"
        )
        x += w
    if not total:
        parts.append(f'<rect class="part empty" x="0" width="100%" y="4" height="{height - 8}"/>')
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above


# SVG text does not wrap: a label over one line of a 360-pixel phone's chart would run out of
# the card. Labels are cut to what fits there (the whole label is in the row's tooltip and in the
# table under the chart).
LABEL_CHARS = 34


def short_label(label: str, limit: int = LABEL_CHARS) -> str:
    """``label`` cut to ``limit`` characters, at a word boundary when there is one, with "…"."""
    if len(label) <= limit:
        return label
    cut = label[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—/") + "…"


def bar_list(bars: list[Bar], *, title: str, desc: str, row: int = 38) -> SafeString:
    """Horizontal bars with their label above each (top pages, sections, languages)."""
    height = max(len(bars), 1) * row + 4
    head, tail = _open(title, desc, height, "chart-bars")
    peak = max((b.value for b in bars), default=0) or 1
    parts = [head]
    for i, b in enumerate(bars):
        y = i * row
        w = 100 * b.value / peak * 0.86  # room for the number after the bar
        parts.append(
            f'<g class="row {escape(b.css)}" data-key="{escape(b.key)}" data-value="{b.value:g}">'
            f"<title>{escape(b.label)}: {escape(b.text)}</title>"
            f'<text class="label" x="0" y="{y + 13}">{escape(short_label(b.label))}</text>'
            f'<rect class="bar" x="0" width="{_pct(max(w, 0.4))}" y="{y + 18}" height="14"/>'
            f'<text class="value" x="{_pct(max(w, 0.4) + 1)}" y="{y + 30}">{escape(b.text)}</text></g>'
        )
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
