"""The icon browsers ask for at ``/favicon.ico``, drawn by code: no binary file to keep in step
with ``desk/static/desk/favicon.svg`` (the same picture: a dark tile, a white "t", a yellow mark
under it, as a typo is marked in the desk).

Browsers request ``/favicon.ico`` on every page whatever the ``<link rel="icon">`` says (old
ones, feed readers, bookmarks); without it every page left a 404 in the log.
"""

from __future__ import annotations

import struct
from functools import cache

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

SIZE = 32
TILE = (0x12, 0x28, 0x3D)  # the desk's header colour
INK = (0xFF, 0xFF, 0xFF)
MARK = (0xFF, 0xE2, 0x7A)  # the desk's highlight of a mistake


def _colour(x: int, y: int) -> tuple[int, int, int, int] | None:
    """The RGBA colour of pixel (x, y), y from the top; None outside the rounded tile."""
    r = 6  # corner radius
    for cx, cy in ((r, r), (SIZE - 1 - r, r), (r, SIZE - 1 - r), (SIZE - 1 - r, SIZE - 1 - r)):
        if (x < r or x > SIZE - 1 - r) and (y < r or y > SIZE - 1 - r):
            if (x - cx) ** 2 + (y - cy) ** 2 > r * r and abs(x - cx) <= r and abs(y - cy) <= r:
                return None
    # The "t": a stem, a cross bar and a foot turning right.
    stem = 13 <= x <= 17 and 5 <= y <= 23
    bar = 8 <= x <= 23 and 10 <= y <= 13
    foot = 13 <= x <= 22 and 20 <= y <= 23
    if stem or bar or foot:
        return (*INK, 255)
    if 6 <= x <= 25 and 26 <= y <= 28:
        return (*MARK, 255)
    return (*TILE, 255)


@cache
def ico() -> bytes:
    """A 32×32 icon in the ICO format: one 32-bit BMP image with its (unused) AND mask."""
    pixels = bytearray()
    for y in range(SIZE - 1, -1, -1):  # BMP rows go bottom-up
        for x in range(SIZE):
            c = _colour(x, y)
            r, g, b, a = c if c else (0, 0, 0, 0)
            pixels += bytes((b, g, r, a))
    mask = bytes(SIZE * SIZE // 8)  # 32 bits a row: no padding needed; alpha does the work
    header = struct.pack("<IiiHHIIiiII", 40, SIZE, SIZE * 2, 1, 32, 0, len(pixels) + len(mask), 0, 0, 0, 0)
    image = header + bytes(pixels) + mask
    directory = struct.pack("<HHH", 0, 1, 1) + struct.pack(
        "<BBBBHHII", SIZE, SIZE, 0, 0, 1, 32, len(image), 22
    )
    return directory + image


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(ico(), content_type="image/vnd.microsoft.icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
