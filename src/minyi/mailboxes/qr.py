"""QR codes as SVG or PNG, in pure Python (qrcode's path SVG and its pypng writer): no Pillow,
nothing fetched. Medium error correction survives a creased poster or a logo sticker."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from minyi.core.errors import Invalid
from minyi.mailboxes.rules import QR_FORMATS

if TYPE_CHECKING:
    import qrcode

BORDER = 4  # the quiet zone the standard asks for, in modules
PNG_BOX = 10  # pixels per module: about 4 cm printed at 300 dpi for a short URL


def qr_code(data: str) -> qrcode.QRCode:  # type: ignore[type-arg]
    # Imported here, as the image writers below: qrcode and its SVG and PNG writers cost each web
    # process a twentieth of a CPU second at start, for the few QR codes a district prints.
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=PNG_BOX, border=BORDER)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_matrix(data: str) -> list[list[bool]]:
    """The modules, quiet zone included: what a scanner reads."""
    return [list(row) for row in qr_code(data).get_matrix()]


def render_qr(data: str, fmt: str) -> tuple[bytes, str]:
    """(bytes, media type)."""
    if fmt not in QR_FORMATS:
        raise Invalid(
            "bad_format", f"format must be one of {', '.join(QR_FORMATS)}", field="format"
        )
    from qrcode.image.pure import PyPNGImage
    from qrcode.image.svg import SvgPathFillImage

    code = qr_code(data)
    out = io.BytesIO()
    if fmt == "svg":
        code.make_image(image_factory=SvgPathFillImage).save(out)
        return out.getvalue(), "image/svg+xml"
    code.make_image(image_factory=PyPNGImage).save(out)
    return out.getvalue(), "image/png"
