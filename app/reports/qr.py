"""The QR code every printed form carries, so a signed page that comes back as a scan or a photo
finds its record: what it says (`payload`, `parse`) and how it is drawn.

The payload is short text in the QR alphanumeric set (denser modules than bytes, so the code reads
from a 150 dpi scan or a phone photo): `TD1:<ENTITY>:<record id>:<print snapshot id>`, ids as 32
upper-case hex digits without dashes, the snapshot being the record as it was printed (see
app/reports/snapshots.py). The matrix comes from reportlab's own QR
encoder (the one behind `QrCodeWidget`); it is drawn as one path of horizontal runs into a form
XObject per code, which a page then places for a few bytes (a widget drawing draws each run as its
own rectangle through the graphics layer, a large part of a 500-card batch)."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from reportlab.graphics.barcode import qrencoder
from reportlab.graphics.barcode.qr import QrCodeWidget

# The Reed-Solomon generator polynomial depends only on the number of error correction codewords,
# yet the encoder rebuilds it for every block of every code (36 polynomial products per code, a
# third of encoding one). It is a pure function of its argument and never modified: remembered.
qrencoder.QRUtil.getErrorCorrectPolynomial = staticmethod(
    functools.lru_cache(maxsize=64)(qrencoder.QRUtil.getErrorCorrectPolynomial))

PREFIX = "TD1"
FIXED_MASK = 2
QUIET_MODULES = 2  # white border around the code, in modules (scanners need some)


@dataclass(frozen=True)
class FormCode:
    """What a form's QR code names: the record and the printed version of it."""

    entity: str
    record_id: str
    version: str

    def payload(self) -> str:
        entity = self.entity.upper().replace("_", "-")
        return f"{PREFIX}:{entity}:{_pack(self.record_id)}:{_pack(self.version)}"


def _pack(value: str) -> str:
    return value.replace("-", "").upper() if _is_uuid(value) else value.upper()


def _unpack(value: str) -> str:
    if len(value) == 32 and all(c in "0123456789ABCDEF" for c in value):
        v = value.lower()
        return f"{v[:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:]}"
    return value


def _is_uuid(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4


def parse(text: str) -> FormCode | None:
    """The FormCode in a decoded QR text, or None when the text is not one of ours."""
    parts = (text or "").strip().split(":")
    if len(parts) != 4 or parts[0] != PREFIX or not all(parts[1:3]):
        return None
    return FormCode(parts[1].lower().replace("-", "_"), _unpack(parts[2]), _unpack(parts[3]))


def modules(text: str) -> list[list[bool]]:
    """The QR matrix of `text` (error correction M: a smudged or folded corner still reads).

    With one fixed mask pattern: every one of the eight masks is a valid code, and the encoder's
    choice of the "best" one builds the matrix nine times (5.6 ms of a code's 6.5 ms, 2.8 s of a
    500-card batch); 100 random payloads drawn at 3 px a module all decode with this mask."""
    code = QrCodeWidget(text, barLevel="M").qr
    code.version = code.calculate_version()
    code.makeImpl(False, FIXED_MASK)
    return [[bool(m) for m in row] for row in code.modules]


def define_form(canvas, name: str, text: str, size: float) -> None:
    """Records the QR code of `text`, `size` points square with its quiet zone, as form `name`:
    scaled to one unit a module, each row's dark runs one integer `re`, all filled at once."""
    matrix = modules(text)
    count = len(matrix) + 2 * QUIET_MODULES
    ops = []
    for r, row in enumerate(matrix):
        c, y = QUIET_MODULES, count - QUIET_MODULES - r - 1
        for dark, run in itertools.groupby(row):
            width = len(list(run))
            if dark:
                ops.append(f"{c} {y} {width} 1 re")
            c += width
    canvas.beginForm(name)
    canvas.saveState()
    canvas.scale(size / count, size / count)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(0, 0, count, count, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas._code.append(" ".join(ops) + " f")  # the path as reportlab's drawPath writes it, unformatted
    canvas.restoreState()
    canvas.endForm()
