"""Printed forms end to end: each form is rendered through ReportService on a fixed register, then
checked the way a reader would: pages not blank (pdftoppm + Pillow), text read back (pdftotext)
with names present and IDs/phones masked unless revealed, fonts embedded (pdffonts), the rare name
𠮷 extracted as itself, a watermark and an audit entry per print, and permissions enforced."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from PIL import Image
from sqlalchemy import select

from app.errors import PermissionDenied, ScopeError, ValidationError
from app.reports.service import ReportService
from app.services.context import Actor
from db.engine import session_factory
from db.models import AuditEntry
from tests.reports_sample import HEAD_ID_NUMBER, HEAD_PHONE, RARE_NAME, TOWNSHIP, VILLAGE, build_sample

NOW = dt.datetime(2026, 11, 27, 18, 40)


@pytest.fixture
def sample(engine):
    sessions = session_factory(engine)
    with sessions() as session:
        records = build_sample(session)
    return sessions, {k: v.id for k, v in records.items()}


def service(sessions, role="township_staff", scope=TOWNSHIP[:9]) -> ReportService:
    return ReportService(sessions, Actor("陈科员", role, scope, device_id="dev-1"), clock=lambda: NOW)


def flat_text(path) -> str:
    """Text in drawing order with all whitespace removed: the rotated watermark reads back whole."""
    raw = subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True, capture_output=True, text=True).stdout
    return "".join(raw.split())


def assert_pages_not_blank(path, tmp_path, pages: int) -> None:
    prefix = tmp_path / "page"
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(prefix)], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages
    for image_path in images:
        grey = Image.open(image_path).convert("L")
        dark = sum(grey.histogram()[:128])
        assert dark > 0.01 * grey.width * grey.height, f"{image_path.name} is nearly blank"


def test_household_card_masks_by_default_and_prints_rare_name(sample, tmp_path):
    sessions, ids = sample
    result = service(sessions).print_household_card(ids["first"], tmp_path / "card.pdf", "入户核对")
    text = flat_text(result.path)
    assert result.pages == 1
    assert_pages_not_blank(result.path, tmp_path, 1)
    assert "户情登记表" in text and "王建国" in text and "王小明" in text
    assert RARE_NAME in text  # U+20BB7 extracted as itself thanks to the surrogate-pair ToUnicode
    assert "110105********002X" in text and HEAD_ID_NUMBER not in text
    assert "138****5678" in text and HEAD_PHONE not in text
    assert "农村低保" in text and "独居老人" in text
    assert "社区矫正" not in text  # sensitive tag, township staff may not see it
    assert "陈科员2026-11-2718:40用途：入户核对" in text  # watermark on the page


def test_reveal_is_audited_and_limited_to_allowed_roles(sample, tmp_path):
    sessions, ids = sample
    result = service(sessions, role="township_admin").print_household_card(
        ids["first"], tmp_path / "full.pdf", "低保复核", reveal=True)
    text = flat_text(result.path)
    assert HEAD_ID_NUMBER in text and HEAD_PHONE in text
    assert "社区矫正" in text  # township admins see sensitive tags
    with sessions() as session:
        entry = session.get(AuditEntry, result.audit_id)
        assert (entry.action, entry.entity, entry.record_ids) == ("print", "household", [ids["first"]])
        assert "低保复核" in entry.reason and "完整" in entry.reason and entry.username == "陈科员"
    with pytest.raises(PermissionDenied):
        service(sessions, role="grid_worker", scope=VILLAGE).print_household_card(
            ids["first"], tmp_path / "x.pdf", "走访", reveal=True)
    with pytest.raises(PermissionDenied):  # departments (条) never see the register
        service(sessions, role="department", scope="").print_household_card(ids["first"], tmp_path / "x.pdf", "核查")


def test_purpose_and_scope_are_required(sample, tmp_path):
    sessions, ids = sample
    with pytest.raises(ValidationError):
        service(sessions).print_household_card(ids["first"], tmp_path / "x.pdf", "  ")
    with pytest.raises(ScopeError):
        service(sessions, scope="150402001202").print_household_card(ids["first"], tmp_path / "x.pdf", "走访")
    assert not (tmp_path / "x.pdf").exists()
    with sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []


def test_every_pdf_embeds_its_fonts(sample, tmp_path):
    sessions, ids = sample
    result = service(sessions).print_household_card(ids["first"], tmp_path / "card.pdf", "入户核对")
    lines = subprocess.run(["pdffonts", str(result.path)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert lines, "no fonts listed"
    names = [line.split()[0] for line in lines]
    assert any("UMing" in n for n in names) and any("HanaMin" in n for n in names)
    for line in lines:  # columns: name type encoding emb sub uni …
        assert line.split()[-5] == "yes", line


def test_case_form_has_log_parties_and_signatures(sample, tmp_path):
    sessions, ids = sample
    result = service(sessions).print_case_form(ids["case"], tmp_path / "case.pdf", "调解")
    text = flat_text(result.path)
    assert_pages_not_blank(result.path, tmp_path, result.pages)
    for expected in ("事件处置单", "SJ20261120-0001", "邻里宅基地界线纠纷", "12345热线", "矛盾纠纷/邻里纠纷",
                     "分派西屯村调委会", "受理→分派", "李秀英", "综治", "承办人（签字）", "审核人（签字）"):
        assert expected in text, expected
    assert "137****5678" in text and "13712345678" not in text
    assert "139****1111" in text


def test_task_sheet_lists_village_households_with_boxes(sample, tmp_path):
    sessions, ids = sample
    result = service(sessions).print_task_sheet(ids["task"], VILLAGE, tmp_path / "task.pdf", "冬季走访")
    text = flat_text(result.path)
    assert_pages_not_blank(result.path, tmp_path, result.pages)
    for expected in ("任务清单/反馈单", "RW2026-0088", "独居老人冬季安全走访", "民政", "西屯村",
                     "150402001201010001", "150402001201010002", "已完成1户，共2户", "已走访1户", "走访人（签字）"):
        assert expected in text, expected
    assert "150402001202020001" not in text  # another village's household
    with pytest.raises(ScopeError):
        service(sessions).print_task_sheet(ids["task"], "150402001202", tmp_path / "none.pdf", "走访")


def test_inspection_summary_masks_names_and_hides_sensitive_tags(sample, tmp_path):
    sessions, _ids = sample
    result = service(sessions, role="township_admin").print_inspection_summary(
        TOWNSHIP, tmp_path / "summary.pdf", "上级检查")
    text = flat_text(result.path)
    assert_pages_not_blank(result.path, tmp_path, result.pages)
    assert "基层治理工作统计汇总表" in text and "西屯村" in text and "东郊村" in text
    assert "SJ20261105-0004" in text and "孙**" in text and "孙丽华" not in text
    assert "33.3%" in text  # 1 on time of 2 closed + 1 overdue open, township total
    assert "农村低保" in text and "社区矫正" not in text and "重点人员" not in text.replace("不含重点人员", "")


def test_batch_export_of_a_village(sample, tmp_path):
    sessions, ids = sample
    seen = []
    result = service(sessions).export_village_cards(VILLAGE, tmp_path / "batch.pdf", "年度核查",
                                                     progress=lambda done, total: seen.append((done, total)))
    text = flat_text(result.path)
    assert result.records == 2 and result.pages == 2
    assert seen == [(1, 2), (2, 2)]
    # each card counts its own pages; the batch's running page number is printed beside it
    assert text.count("第1页/共1页") == 2 and "本批第1页/共2页" in text and "本批第2页/共2页" in text
    assert "西屯街道西屯村" in text and "打印日期2026-11-27" in text
    assert "150402001201010001" in text and "150402001201010002" in text and "东郊村二组" not in text
    with sessions() as session:
        entry = session.get(AuditEntry, result.audit_id)
        assert entry.action == "export" and sorted(entry.record_ids) == sorted([ids["first"], ids["second"]])


def test_forms_printed_from_the_english_interface_keep_chinese_labels(sample, tmp_path):
    """A task sheet printed from the English interface read 下发部门 Civil Affairs, 任务类型 Data collection,
    优先级 Normal on the Chinese form (seen on the demo's 任务清单/反馈单): code labels on paper are the
    form's language, Chinese, whatever the screen shows."""
    from app.codes import set_display_language

    sessions, ids = sample
    set_display_language("en")
    try:
        card = flat_text(service(sessions).print_household_card(ids["first"], tmp_path / "card.pdf", "核对").path)
        case = flat_text(service(sessions).print_case_form(ids["case"], tmp_path / "case.pdf", "调解").path)
        task = flat_text(service(sessions).print_task_sheet(ids["task"], VILLAGE, tmp_path / "t.pdf", "走访").path)
        summary = flat_text(service(sessions).print_inspection_summary(VILLAGE, tmp_path / "s.pdf", "检查").path)
    finally:
        set_display_language("zh_CN")
    assert "户主" in card and "农村低保" in card and "汉族" in card
    assert "12345热线" in case and "综治" in case
    assert "民政" in task
    assert "农村低保" in summary or "独居老人" in summary
    for text in (card, case, task, summary):
        assert not any(word in text for word in ("Head", "Han", "Civil", "Hotline", "Normal", "Male", "Female")), text
