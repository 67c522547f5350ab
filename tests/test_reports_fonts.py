"""Fonts and the grid under the printed forms: per-character fallback, the visible mark for a
character no font has, UTF-16 ToUnicode entries for supplementary-plane characters, markup escaping,
line breaking, and a household too large for one page splitting with its header repeated."""

from __future__ import annotations

import datetime as dt
import io
import subprocess

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.reports.context import Disclosure
from app.reports.fonts import (
    FALLBACK_FONT,
    MAIN_FONT,
    MISSING_MARK,
    SANS_FONT,
    FontChain,
    _to_unicode_cmap,
    font_runs,
    para_markup,
    register_fonts,
    show_text,
)
from app.reports.grid import Grid, wrap_text
from app.reports.household_card import household_card_story
from app.reports.layout import PageMarks, build_pdf
from app.reports.register_data import HouseholdCard, MemberRow

UNASSIGNED_IN_ALL_FONTS = "\U00030000"  # CJK Ext-G: newer than every font we ship or look for


def test_runs_switch_font_only_for_characters_the_main_font_lacks():
    assert font_runs("张三 ABC 123") == [(MAIN_FONT, "张三 ABC 123")]
    assert font_runs("𠮷祥") == [(FALLBACK_FONT, "𠮷"), (MAIN_FONT, "祥")]
    assert font_runs("王㐀") == [(MAIN_FONT, "王"), (FALLBACK_FONT, "㐀")]  # Ext-A, missing from UMing and WenQuanYi
    assert font_runs("王刏") == [(MAIN_FONT, "王"), (SANS_FONT, "刏")]  # a basic ideograph UMing CN lacks
    assert font_runs("") == []


def test_a_character_no_font_has_prints_as_a_visible_mark():
    chain = FontChain(system_candidates=())
    assert chain.font_runs(f"李{UNASSIGNED_IN_ALL_FONTS}明") == [(MAIN_FONT, f"李{MISSING_MARK}明")]


def test_to_unicode_cmap_writes_surrogate_pairs_beyond_the_bmp():
    cmap = _to_unicode_cmap("AAAAAA+Font", [0x41, 0x5F20, 0x20BB7])
    assert "<00> <0041>" in cmap and "<01> <5F20>" in cmap
    assert "<02> <D842DFB7>" in cmap  # U+20BB7 𠮷 as UTF-16BE, not the truncated <20BB7>
    assert "3 beginbfchar" in cmap and "<00> <02>" in cmap


def test_show_text_writes_what_reportlab_writes_with_each_string_encoded_once():
    """show_text caches each string's encoding per document; the page must not change by a byte,
    including subset switches (more than 256 distinct characters), escaping and the fallback font."""
    register_fonts()
    many = "".join(chr(0x4E00 + n) for n in range(300))  # spills into a second 256-code subset
    texts = [("张三(1)\\", MAIN_FONT), (many, MAIN_FONT), ("张三(1)\\", MAIN_FONT), ("𠮷", FALLBACK_FONT),
             ("户主", MAIN_FONT), (many[::-1], MAIN_FONT), ("户主", MAIN_FONT), ("𠮷", FALLBACK_FONT)]

    def page(show) -> list[str]:
        canvas = Canvas(io.BytesIO())
        text_object = canvas.beginText()
        for size in (9, 8.5):
            for text, font in texts:
                if text_object._fontname != font or text_object._fontsize != size:
                    text_object.setFont(font, size)
                text_object.setTextOrigin(10, 20)
                show(text_object, text)
        return text_object.getCode().split()

    assert page(show_text) == page(lambda text_object, text: text_object._textOut(text))


def test_markup_escapes_text_and_wraps_fallback_runs():
    assert para_markup("A&B <c>") == "A&amp;B &lt;c&gt;"
    assert para_markup("𠮷祥\n第二行") == f'<font name="{FALLBACK_FONT}">𠮷</font>祥<br/>第二行'


def test_wrap_breaks_chinese_anywhere_but_keeps_numbers_whole():
    assert wrap_text("一二三四五六七 1234567890", 90, 9) == ["一二三四五六七", "1234567890"]
    lines = wrap_text("西屯村一组十八号院内东侧", 40, 9)
    assert "".join(lines) == "西屯村一组十八号院内东侧" and len(lines) == 3


def _big_household(members: int) -> HouseholdCard:
    people = tuple(
        MemberRow(person_id=str(n), name=f"成员{n:02d}", relation="其他", gender="男", birth_date=dt.date(1990, 1, 1),
                  ethnicity="汉族", id_type="居民身份证", id_number="11010519491231002X", phone="13812345678",
                  residence_type="户籍常住", status="在册", education="", political_status="", marital_status="",
                  current_address="集体宿舍", tags=())
        for n in range(1, members + 1))
    return HouseholdCard("h", "150402001201019999", "150402001201", "西屯街道 西屯村", None, "集体户", "非农业",
                         "集体宿舍", None, "成员01", None, "", (), people, ())


def test_a_household_longer_than_a_page_splits_with_its_header_repeated(tmp_path):
    d = Disclosure("陈科员", "核对", dt.datetime(2026, 11, 27, 9, 0))
    path = tmp_path / "big.pdf"
    pages = build_pdf(str(path), household_card_story(_big_household(60), d),
                      PageMarks("西屯村", "打印日期 2026-11-27", d.watermark()), "户情登记表", "陈科员")
    assert pages >= 3
    texts = [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-raw", str(path), "-"], check=True,
                            capture_output=True, text=True).stdout for p in range(1, pages + 1)]
    flat = ["".join(t.split()) for t in texts]
    assert all(f"成员{n:02d}" in "".join(flat) for n in range(1, 61))
    assert sum("公民身份号码" in page for page in flat) >= 2  # the member header repeats after the break
    assert "11010519491231002X" not in "".join(flat)


def test_grid_split_keeps_rows_whole_and_repeats_the_header():
    rows = [["序号", "内容"]] + [[str(n), "一行文字"] for n in range(1, 21)]
    grid = Grid(rows, [20 * mm, 60 * mm], shade_rows=[-1])
    _w, height = grid.wrap(80 * mm, 1000)
    first, rest = grid.split(80 * mm, height / 2)
    assert first.rows[0] == rest.rows[0] == ["序号", "内容"]
    assert len(first.rows) + len(rest.rows) - 1 == len(rows)
    assert rest.shade_rows == {len(rest.rows) - 1} and first.shade_rows == set()
    assert grid.split(80 * mm, 5) == []  # not even one row fits: move the whole grid on
