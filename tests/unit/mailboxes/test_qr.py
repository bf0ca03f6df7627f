"""QR codes: well-formed SVG and PNG whose modules are exactly the code of the portal URL.

No decoder is needed: the modules drawn are compared with the matrix the qrcode library makes
for the expected URL, which is what a scanner would read back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import png
import pytest

from minyi.core.errors import Invalid
from minyi.mailboxes.qr import BORDER, PNG_BOX, qr_matrix, render_qr

URL = "http://127.0.0.1:8000/portal/submit?channel=mailbox_secretary"
SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_modules(data: bytes) -> list[list[bool]]:
    root = ET.fromstring(data)
    assert root.tag == f"{SVG_NS}svg"
    size = int(root.attrib["viewBox"].split()[2])
    grid = [[False] * size for _ in range(size)]
    path = root.find(f"{SVG_NS}path")
    assert path is not None
    for x0, y0, x1, y1 in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)H\d+z", path.attrib["d"]):
        for y in range(int(y0), int(y1)):
            for x in range(int(x0), int(x1)):
                grid[y][x] = True
    return grid


def png_modules(data: bytes) -> list[list[bool]]:
    width, height, rows, _ = png.Reader(bytes=data).read()
    assert width == height
    assert width % PNG_BOX == 0
    pixels = [list(r) for r in rows]
    black = 0
    n = width // PNG_BOX
    centre = PNG_BOX // 2
    return [
        [pixels[y * PNG_BOX + centre][x * PNG_BOX + centre] == black for x in range(n)]
        for y in range(n)
    ]


class TestRenderQr:
    def test_svg_draws_the_url(self) -> None:
        data, media = render_qr(URL, "svg")
        assert media == "image/svg+xml"
        assert svg_modules(data) == qr_matrix(URL)

    def test_png_draws_the_url(self) -> None:
        data, media = render_qr(URL, "png")
        assert media == "image/png"
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert png_modules(data) == qr_matrix(URL)

    def test_another_url_gives_another_code(self) -> None:
        data, _ = render_qr(URL, "svg")
        assert svg_modules(data) != qr_matrix(URL.replace("secretary", "mayor"))

    def test_quiet_zone_is_white(self) -> None:
        matrix = qr_matrix(URL)
        assert not any(matrix[0])
        assert not any(row[0] for row in matrix)
        assert all(matrix[BORDER][BORDER : BORDER + 7])  # the top-left finder pattern

    def test_unknown_format(self) -> None:
        with pytest.raises(Invalid):
            render_qr(URL, "gif")
