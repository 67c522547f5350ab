"""The message catalogue: every error code raised in app/ — and by the typed forms below it
(db/typed_forms.py), whose refusals the desktop shows as field errors — has a Chinese and an
English text, and texts are filled from the error's parameters."""

from __future__ import annotations

import re
from pathlib import Path

from app.errors import NotFoundError, PermissionDenied, ScopeError, UserFacingError, ValidationError
from app.messages import CATALOGUE, text

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
RAISE = re.compile(r"(?:UserFacingError|WorkflowError|NotTypedForm)\(\s*\"(\w+)\"|ValidationError\(\s*[^,]+,\s*\"(\w+)\"")


def test_every_code_raised_in_app_is_in_the_catalogue():
    used = set()
    for path in [*APP.rglob("*.py"), ROOT / "db" / "typed_forms.py"]:
        for match in RAISE.finditer(path.read_text(encoding="utf-8")):
            used.add(match.group(1) or match.group(2))
    assert {"id_checksum", "phone_invalid", "case_transition", "household_no_taken"} <= used
    assert used - set(CATALOGUE) == set()


def test_every_entry_has_both_languages_with_the_same_fields():
    field = re.compile(r"\{(\w+)\}")
    for code, (zh, en) in CATALOGUE.items():
        assert zh and en, code
        assert set(field.findall(zh)) == set(field.findall(en)), code
        assert re.search(r"[\u4e00-\u9fff]", zh), code


def test_parameters_fill_the_text_and_missing_ones_stay_readable():
    assert text("too_long", label="姓名", max=50) == "姓名不能超过50个字符"
    assert text("too_long", "en", label="Name", max=50) == "Name must be at most 50 characters"
    assert text("too_long", label="姓名") == "姓名不能超过{max}个字符"
    assert text("no_such_code") == "操作失败（no_such_code）"


def test_error_classes_carry_code_field_and_text():
    err = ValidationError("phone", "phone_invalid")
    assert (err.field, err.code) == ("phone", "phone_invalid")
    assert isinstance(err, UserFacingError) and "手机" in err.message()
    assert ValidationError("ethnicity", "code_unknown", label="民族", value="汉").message() == "民族代码无效：汉"
    assert NotFoundError("person", "abc").code == "not_found"
    assert ScopeError().message("en").startswith("This record is outside")
    assert "reveal" in PermissionDenied("reveal").message()
