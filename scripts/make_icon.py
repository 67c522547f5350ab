"""Draws the application icon: a rounded blue square with the white character 治 (基层治理), painted
with QPainter in the font shipped in resources/fonts so the result does not depend on the fonts of
the machine that runs it. Writes resources/icons/township-desk.png (256×256, the window icon) and
resources/icons/township-desk.ico (16 to 256 px, the Windows executable's icon, via Pillow).

Run from the repository root: `QT_QPA_PLATFORM=offscreen python scripts/make_icon.py`."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QImage, QLinearGradient, QPainter

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
FONT_FILE = ROOT / "resources" / "fonts" / "wqy-microhei.ttc"
SIZE = 256
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]


def _font() -> QFont:
    font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
    families = QFontDatabase.applicationFontFamilies(font_id)
    if not families:
        raise SystemExit(f"cannot load {FONT_FILE}")
    font = QFont(families[0])
    font.setPixelSize(int(SIZE * 0.62))
    font.setBold(True)
    return font


def draw_icon() -> QImage:
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    square = QRectF(8, 8, SIZE - 16, SIZE - 16)
    gradient = QLinearGradient(square.topLeft(), square.bottomRight())
    gradient.setColorAt(0.0, QColor("#1e88e5"))
    gradient.setColorAt(1.0, QColor("#0d47a1"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(gradient)
    painter.drawRoundedRect(square, 48, 48)
    painter.setPen(QColor("#ffffff"))
    painter.setFont(_font())
    painter.drawText(square.adjusted(0, -14, 0, -14), Qt.AlignmentFlag.AlignCenter, "治")
    # a thin white rule under the character: the "desk" the work is done on
    painter.setBrush(QColor(255, 255, 255, 210))
    painter.drawRoundedRect(QRectF(64, 206, 128, 10), 5, 5)
    painter.end()
    return image


def _as_pillow(image: QImage) -> Image.Image:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGBA")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    ICONS.mkdir(parents=True, exist_ok=True)
    picture = _as_pillow(draw_icon())
    # Pillow writes the PNG too so repeated runs give the same bytes (no Qt metadata in the file)
    picture.save(ICONS / "township-desk.png", optimize=True)
    picture.save(ICONS / "township-desk.ico", sizes=ICO_SIZES)
    print(f"wrote {ICONS / 'township-desk.png'} and {ICONS / 'township-desk.ico'}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
