"""Forms an inspector accepts, read off the rendered pages: each form of the gallery (a case with
13 log rows, a task sheet with 10 households, a village batch) keeps its signature and seal block
on a page with content of the form's own (never alone), carries its record number, 第 x 页/共 y 页
and a QR code naming the record and the printed version on every page (decoded from the page
image with pyzbar), prints labels instead of field codes and people's names instead of login names."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image
from pyzbar.pyzbar import decode
from sqlalchemy import select

from app.reports import qr
from db.client import AccountName
from db.engine import session_factory
from db.models import PrintSnapshot, Task
from tests.forms_gallery import grow, print_all
from tests.reports_sample import build_sample


@pytest.fixture
def gallery(engine, tmp_path):
    sessions = session_factory(engine)
    with sessions() as session:
        records = build_sample(session)
        grow(session, records)
        session.get(Task, records["task"].id).requested_fields = ["phone", "education"]
        session.add_all([AccountName(username="demo_staff", display_name="陈晓燕"),
                         AccountName(username="刘网格", display_name="刘志刚")])
        session.commit()
        ids = {k: v.id for k, v in records.items()}
    return sessions, ids, print_all(sessions, ids, tmp_path)


def page_texts(path) -> list[str]:
    raw = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    return ["".join(page.split()) for page in raw.split("\f") if page.strip()]


def page_codes(path, tmp_path) -> list[list[qr.FormCode]]:
    prefix = tmp_path / path.stem
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(prefix)], check=True)
    images = sorted(tmp_path.glob(f"{path.stem}-*.png"))
    return [[qr.parse(found.data.decode()) for found in decode(Image.open(image))] for image in images]


# On the page with the signature block, text of the form's own content that must be there too.
KEPT_WITH = {"case_form": "第8次回访", "task_sheet": "反馈时间", "household_card": "走访日期",
             "village_cards": "走访日期", "summary": "超期未办结事件清单"}
RECORD_NO = {"case_form": "事件编号：", "task_sheet": "任务编号：", "household_card": "户编号：",
             "village_cards": "户编号：", "summary": "统计区域："}


@pytest.mark.parametrize("form", sorted(KEPT_WITH))
def test_signature_block_stays_with_content_and_every_page_is_marked(gallery, form, tmp_path):
    sessions, _ids, results = gallery
    result = results[form]
    pages = page_texts(result.path)
    assert len(pages) == result.pages
    signed = [page for page in pages if "（签字）" in page]
    assert signed, "no signature block"
    for page in signed:
        assert KEPT_WITH[form] in page, page[:200]
        assert "（盖章）" in page  # room for the unit's seal
    for page in pages:
        assert RECORD_NO[form] in page and "页/共" in page
    codes = page_codes(result.path, tmp_path)
    assert all(len(found) == 1 and found[0] is not None for found in codes), codes
    if form != "summary":
        with sessions() as session:
            for (code,) in codes:
                snapshot = session.get(PrintSnapshot, code.version)
                assert snapshot is not None and snapshot.record_id == code.record_id


def test_case_form_spreads_over_two_pages_with_the_log_tail_on_the_second(gallery):
    _sessions, _ids, results = gallery
    first, second = page_texts(results["case_form"].path)
    assert "第1页/共2页" in first and "第2页/共2页" in second
    assert "（签字）" not in first and "第8次回访" in second and "处置记录" in first


def test_labels_and_peoples_names_instead_of_codes(gallery):
    _sessions, _ids, results = gallery
    sheet = "".join(page_texts(results["task_sheet"].path))
    assert "核采字段联系电话、文化程度" in sheet and "phone" not in sheet
    raw = subprocess.run(["pdftotext", "-raw", str(results["case_form"].path), "-"], check=True,
                         capture_output=True, text=True).stdout
    case = "".join(raw.split())  # drawing order: the rotated watermark reads back whole
    assert "刘志刚" in case and "刘网格" not in case  # 处理人 by name
    assert "陈晓燕2026-11-2718:40用途：上级检查" in case and "demo_staff" not in case  # the watermark names the person


def test_one_snapshot_per_printed_record(gallery):
    sessions, ids, results = gallery
    with sessions() as session:
        snaps = session.scalars(select(PrintSnapshot)).all()
    by_entity = {}
    for snap in snaps:
        by_entity.setdefault(snap.entity, []).append(snap)
    assert len(by_entity["case"]) == 1 and by_entity["case"][0].fields["处置记录"] == "13"
    assert len(by_entity["household"]) == results["village_cards"].records + 1


def test_periods_offered_on_screen():
    import datetime as dt

    from app.errors import ValidationError
    from app.reports.periods import period_for

    today = dt.date(2026, 2, 14)
    assert period_for("this_month", today) == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert period_for("last_month", dt.date(2026, 1, 5)) == (dt.date(2025, 12, 1), dt.date(2025, 12, 31))
    assert period_for("this_quarter", dt.date(2026, 11, 27)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert period_for("all", today) == (None, None)
    assert period_for("custom", today, dt.date(2026, 1, 1), dt.date(2026, 1, 31))[1] == dt.date(2026, 1, 31)
    with pytest.raises(ValidationError) as bad:
        period_for("custom", today, dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    assert "开始日期不能晚于结束日期" in bad.value.message()
