"""Fonts for printed forms: the embedded CJK font, per-character fallback and correct text extraction.

Every PDF embeds (as subsets) AR PL UMing CN, a 明体/宋体-style serif as township forms are set, for
ordinary text; WenQuanYi Micro Hei for the ~2,200 basic ideographs, Cyrillic and symbols UMing lacks;
a bundled HanaMinA subset for what both lack (CJK Ext-A, common Ext-B such as 𠮷); a full Ext-B font
installed on the PC (SimSun-ExtB on Windows, HanaMinB on Linux) is used, loaded only on first need,
for the remaining rare characters;
a character no font has prints as a visible 〓 so a clerk knows to check that name by hand.
Text is split into runs by the font that has each character (`font_runs`), for Paragraph markup
(`para_markup`) and for direct canvas drawing (`draw_runs`).

reportlab writes every ToUnicode entry with four hex digits, so a supplementary-plane character such
as U+20BB7 is mapped to a wrong BMP code and pdftotext/search/copy give the wrong character. We
replace reportlab's CMap builder with one that writes UTF-16 surrogate pairs (the PDF spec's form).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary
from xml.sax.saxutils import escape

from reportlab.lib.rl_accel import fp_str
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from resources import resource_path

MAIN_FONT = "TDMain"
SANS_FONT = "TDSans"
FALLBACK_FONT = "TDFallback"
SYSTEM_FONT = "TDSystemExt"
MISSING_MARK = "〓"  # the printer's traditional "missing type" mark (U+3013), present in the main font

# Full-coverage fonts commonly installed, tried in order when a character is in neither bundled font.
SYSTEM_FALLBACK_CANDIDATES = (
    Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts" / "simsunb.ttf",
    Path("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
    Path("/usr/share/fonts/opentype/hanazono/HanaMinB.ttf"),
)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ToUnicode CMap with destination codes written as UTF-16BE (surrogate pairs beyond
    the BMP), so text extraction returns the real character."""
    entries = [f"<{i:02X}> <{chr(v).encode('utf-16-be', 'surrogatepass').hex().upper()}>"
               for i, v in enumerate(subset)]
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>", "endcodespacerange", f"{len(subset)} beginbfchar",
        *entries,
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ])


class FontChain:
    """The ordered fonts a character is looked up in; registered with reportlab once per process.

    `system_candidates` is a parameter so tests can run with and without an installed Ext-B font."""

    def __init__(self, system_candidates: Iterable[Path] = SYSTEM_FALLBACK_CANDIDATES) -> None:
        self._system_candidates = tuple(system_candidates)
        self._lock = threading.Lock()
        self._faces: list[tuple[str, dict]] = []
        self._system_loaded = False
        self._choice: dict[str, str | None] = {}
        self._main_only: re.Pattern[str] = re.compile("")

    def ensure_registered(self) -> None:
        if self._faces:  # registered: no lock on this path, it runs for every string drawn
            return
        with self._lock:
            if self._faces:
                return
            ttfonts.makeToUnicodeCMap = _to_unicode_cmap
            main = _register(MAIN_FONT, resource_path("fonts", "uming.ttc"), subfont_index=0)  # UMing CN
            sans = _register(SANS_FONT, resource_path("fonts", "wqy-microhei.ttc"), subfont_index=0)
            fallback = _register(FALLBACK_FONT, resource_path("fonts", "HanaMinA-fallback.ttf"))
            self._faces = [(MAIN_FONT, main.face.charToGlyph), (SANS_FONT, sans.face.charToGlyph),
                           (FALLBACK_FONT, fallback.face.charToGlyph)]
            self._main_only = _coverage_pattern(main.face.charToGlyph)

    def _load_system_font(self) -> None:
        """Loads the first installed full Ext-B font (tens of MB: only when a rare character needs it)."""
        with self._lock:
            if self._system_loaded:
                return
            self._system_loaded = True
            for path in self._system_candidates:
                if path.is_file():
                    font = _register(SYSTEM_FONT, path)
                    self._faces.append((SYSTEM_FONT, font.face.charToGlyph))
                    return

    def font_for(self, ch: str) -> str | None:
        """The first font in the chain with a glyph for `ch`, or None when no font has one."""
        if ch in self._choice:
            return self._choice[ch]
        self.ensure_registered()
        code = ord(ch)
        found = next((name for name, cmap in self._faces if code in cmap), None)
        if found is None and not self._system_loaded:
            self._load_system_font()
            found = next((name for name, cmap in self._faces if code in cmap), None)
        self._choice[ch] = found
        return found

    def font_runs(self, text: str) -> list[tuple[str, str]]:
        """Splits text into (font name, run) pieces; characters no font has become MISSING_MARK."""
        self.ensure_registered()
        if self._main_only.fullmatch(text):  # the common case, decided in C: one run in the main font
            return [(MAIN_FONT, text)] if text else []
        runs: list[tuple[str, str]] = []
        for ch in text:
            font = MAIN_FONT if ch.isspace() or ch < " " else self.font_for(ch)
            if font is None:
                font, ch = MAIN_FONT, MISSING_MARK
            if runs and runs[-1][0] == font:
                runs[-1] = (font, runs[-1][1] + ch)
            else:
                runs.append((font, ch))
        return runs


def _coverage_pattern(cmap: dict[int, int]) -> re.Pattern[str]:
    """A regex matching strings made only of characters the font has (plus whitespace), built from
    the font's code point ranges, so the per-character font check runs in the regex engine."""
    codes = sorted(c for c in cmap if c > 0x20) + [0x110000]
    ranges, start, previous = [], codes[0], codes[0]
    for code in codes[1:]:
        if code != previous + 1:
            ranges.append(re.escape(chr(start)) + ("" if start == previous else "-" + re.escape(chr(previous))))
            start = code
        previous = code
    return re.compile("[\\s" + "".join(ranges) + "]*")


def _register(name: str, path: Path, subfont_index: int = 0) -> TTFont:
    try:
        return pdfmetrics.getFont(name)
    except KeyError:
        font = TTFont(name, str(path), subfontIndex=subfont_index)
        pdfmetrics.registerFont(font)
        return font


FONTS = FontChain()


def register_fonts() -> None:
    """Registers the embedded fonts with reportlab (idempotent); call before building any PDF."""
    FONTS.ensure_registered()


def font_runs(text: str) -> list[tuple[str, str]]:
    return FONTS.font_runs(text)


def para_markup(text: str | None) -> str:
    """Paragraph markup for plain text: escaped, line breaks kept, runs the main font lacks wrapped
    in <font name=...> so rare characters print in the fallback font."""
    lines = []
    for line in (text or "").split("\n"):
        parts = []
        for font, run in font_runs(line):
            piece = escape(run)
            parts.append(piece if font == MAIN_FONT else f'<font name="{font}">{piece}</font>')
        lines.append("".join(parts))
    return "<br/>".join(lines)


def measure_width(text: str, size: float) -> float:
    """The printed width of `text` with per-character font fallback."""
    return sum(pdfmetrics.stringWidth(run, font, size) for font, run in font_runs(text))


@lru_cache(maxsize=16384)
def text_width(text: str, size: float) -> float:
    """`measure_width`, remembered: forms measure the same labels, codes and dates on every page
    (centred header and label cells, wrapped values). Fonts never change once registered."""
    return measure_width(text, size)


def draw_runs(canvas, x: float, y: float, text: str, size: float, anchor: str = "left",
              width: float | None = None) -> None:
    """Draws one line on a canvas with per-character font switching; anchor left, centre or right
    (`width`: the line's width when the caller measured it already)."""
    runs = font_runs(text)
    if anchor != "left":
        if width is None:
            width = text_width(text, size)
        x -= width / 2 if anchor == "centre" else width
    for font, run in runs:
        if canvas._fontname != font or canvas._fontsize != size:  # each setFont writes to the page
            canvas.setFont(font, size)
        canvas.drawString(x, y, run)
        if len(runs) > 1:
            x += pdfmetrics.stringWidth(run, font, size)


def text_runs(text_object, x: float, y: float, text: str, size: float, anchor: str = "left",
              width: float | None = None) -> None:
    """`draw_runs` into an open reportlab text object: a grid puts all its cells into one text
    object (one BT…ET block) instead of one per string, which is what makes drawString costly."""
    runs = font_runs(text)
    if anchor != "left":
        if width is None:
            width = text_width(text, size)
        x -= width / 2 if anchor == "centre" else width
    for font, run in runs:
        if text_object._fontname != font or text_object._fontsize != size:
            text_object.setFont(font, size)
        text_object.setTextOrigin(x, y)
        show_text(text_object, run)  # every run sets its origin: textOut's cursor advance is a wasted stringWidth
        if len(runs) > 1:
            x += pdfmetrics.stringWidth(run, font, size)


# Per document: (font name, text) -> the text's pieces as (font subset, "(codes) Tj" operator).
_SHOWN: WeakKeyDictionary = WeakKeyDictionary()


def show_text(text_object, text: str) -> None:
    """Writes `text` at the text object's position in its current font: what reportlab's
    `_textOut` writes, byte for byte, but each distinct string is encoded (mapped to subset codes by
    `splitString`, escaped) once per document. A batch of cards repeats its labels, codes and dates
    on every page (87 % of the 54,000 strings of 500 cards), and encoding was the largest part of
    writing them. The subset codes of a character never change within a document once assigned."""
    canvas = text_object._canvas
    doc = canvas._doc
    shown = _SHOWN.get(doc)
    if shown is None:
        shown = _SHOWN[doc] = {}
    font_name = text_object._fontname
    font = pdfmetrics.getFont(font_name)
    if not font._dynamicFont:  # a standard font: not used by our forms, let reportlab do it
        text_object._textOut(text)
        return
    pieces = shown.get((font_name, text))
    if pieces is None:
        # a tuple of (int, str) tuples: the collector stops tracking it, so thousands of cached
        # strings do not bring on full collections of the whole process during a batch
        pieces = shown[font_name, text] = tuple((subset, f"({canvas._escape(codes)}) Tj")
                                                for subset, codes in font.splitString(text, doc))
    code = text_object._code
    for subset, operator in pieces:
        if subset != text_object._curSubset:  # as _formatText: select the subset font when it changes
            code.append(f"{font.getSubsetInternalName(subset, doc)} {fp_str(text_object._fontsize)} Tf "
                        f"{fp_str(text_object._leading)} TL")
            text_object._curSubset = subset
        code.append(operator)
