"""The console's small fixed parts checked against what they must agree with: the masking rule and
the requestable fields against the desktop client's, every catalogue key a template uses exists in
both languages, and htmx is served from the package with its licence (nothing from the internet)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.client.task_desk import FIELD_LABELS
from app.rules.masking import mask_id, mask_phone
from server.catalogue import REQUESTABLE_FIELDS
from server.console import masking
from server.console.i18n import MESSAGES, translator
from server.console.xlsx import workbook_bytes

CONSOLE = Path(__file__).resolve().parents[1] / "server" / "console"


@pytest.mark.parametrize("value", ["11010519491231002X", "A1234567", "123", "13812345678", "0476-8123456",
                                   "8123456", "0476-8123456-12", ""])
def test_masking_matches_the_clients(value):
    assert masking.mask_id(value) == mask_id(value)
    assert masking.mask_phone(value) == mask_phone(value)


def test_requestable_fields_are_the_one_form_fields():
    assert {k: v[0] for k, v in REQUESTABLE_FIELDS.items()} == FIELD_LABELS


def test_every_template_key_is_in_the_catalogue_in_both_languages():
    used = set()
    for template in (CONSOLE / "templates").glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z0-9_]+)'\)", template.read_text(encoding="utf-8")))
    assert used and not used - set(MESSAGES)
    assert all(zh and en for zh, en in MESSAGES.values())
    assert translator("en")("login") == "Log in" and translator("zh")("login") == "登录"


def test_htmx_is_served_from_the_package_with_its_licence():
    assert (CONSOLE / "static" / "htmx.min.js").stat().st_size > 40_000
    assert "Zero-Clause BSD" in (CONSOLE / "static" / "htmx-LICENSE.txt").read_text()
    for template in (CONSOLE / "templates").glob("*.html"):
        assert not re.search(r'(src|href)="(https?:)?//', template.read_text(encoding="utf-8")), template.name


def test_exported_text_that_looks_like_a_formula_stays_text():
    data = workbook_bytes("进度", ["标题", "数"], [["=HYPERLINK(\"http://x\",\"点我\")", 3], ["@SUM(A1)", "-1+2"]])
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert [c.value for c in cells] == ["=HYPERLINK(\"http://x\",\"点我\")", 3, "@SUM(A1)", "-1+2"]
    assert [c.data_type for c in cells] == ["s", "n", "s", "s"]
