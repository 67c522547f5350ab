"""The paper round trip as a clerk does it: print the case form, the page is signed and scanned
(here: the printed PDF's page rendered at 200 dpi, as a flatbed scanner gives it, and as a PDF
scan), the case moves on meanwhile; dropping the scan on the app reads the QR code, attaches the
scan to the same case and lists what changed since the page was printed. A page without a readable
code links by the number typed; a wrong number or a non-image is refused and nothing is kept."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.attachments.scans import ScanService, read_code
from app.errors import ValidationError
from app.reports.service import ReportService
from app.services.context import Actor
from db.engine import session_factory
from db.models import Attachment, Case, CaseLogEntry
from tests.attachment_support import pdf_of
from tests.reports_sample import TOWNSHIP, VILLAGE, build_sample

PRINTED = dt.datetime(2026, 11, 27, 18, 40)
ACTOR = Actor("demo_staff", "township_staff", TOWNSHIP[:9], device_id="dev-1", display_name="陈晓燕")


@pytest.fixture
def printed(engine, tmp_path):
    sessions = session_factory(engine)
    with sessions() as session:
        ids = {k: v.id for k, v in build_sample(session).items()}
    result = ReportService(sessions, ACTOR, clock=lambda: PRINTED).print_case_form(
        ids["case"], tmp_path / "case.pdf", "上级检查")
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", str(result.path),
                    str(tmp_path / "scan")], check=True)
    with sessions.begin() as session:  # after printing: the case is handled further
        case = session.get(Case, ids["case"])
        session.add(CaseLogEntry(case_id=case.id, region_code=VILLAGE, at=dt.datetime(2026, 11, 28, 9, 0),
                                 actor="demo_staff", action="close", from_status=50, to_status=60,
                                 text="双方签字确认调解结果"))
        case.status = 60
    scans = ScanService(sessions, ACTOR, tmp_path / "attachments", clock=lambda: PRINTED + dt.timedelta(days=2))
    return sessions, ids, scans, tmp_path


def test_a_scanned_case_form_comes_back_to_its_case_with_what_changed(printed):
    sessions, ids, scans, tmp_path = printed
    code = read_code(tmp_path / "scan.png")
    assert code is not None and code.entity == "case" and code.record_id == ids["case"]
    result = scans.attach_scan(tmp_path / "scan.png")
    assert result.from_code and result.record_id == ids["case"] and result.printed_at == PRINTED
    assert "处置记录：新增 1 条" in result.changes
    assert any(line.startswith("当前状态：处置中 → ") for line in result.changes)
    [kept] = scans.list_for("case", ids["case"])
    assert kept.printed_version == code.version and "2026-11-27 18:40 打印" in kept.caption
    assert kept.state == "pending" and kept.thumb_path


def test_a_pdf_scan_reads_too(printed):
    _sessions, ids, scans, tmp_path = printed
    (tmp_path / "scan.pdf").write_bytes(pdf_of(Image.open(tmp_path / "scan.png")))
    result = scans.attach_scan(tmp_path / "scan.pdf")
    assert result.from_code and result.record_id == ids["case"] and result.attachment.mime == "application/pdf"


def test_without_a_code_the_typed_number_links_it_and_bad_input_keeps_nothing(printed):
    sessions, ids, scans, tmp_path = printed
    page = Image.open(tmp_path / "scan.png")
    page.crop((0, 0, page.width, page.height // 2)).save(tmp_path / "top.png")  # the QR is at the bottom
    assert read_code(tmp_path / "top.png") is None
    with pytest.raises(ValidationError) as no_code:
        scans.attach_scan(tmp_path / "top.png")
    assert "请输入表单上的编号" in no_code.value.message()
    with pytest.raises(ValidationError) as unknown:
        scans.attach_scan(tmp_path / "top.png", "SJ20991231-9999")
    assert "SJ20991231-9999" in unknown.value.message()
    (tmp_path / "notes.txt").write_text("不是扫描件")
    with pytest.raises(ValidationError) as wrong:
        scans.attach_scan(tmp_path / "notes.txt", "SJ20261120-0001")
    assert wrong.value.code == "attachment_type"
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    result = scans.attach_scan(tmp_path / "top.png", "SJ20261120-0001")
    assert not result.from_code and result.record_id == ids["case"] and "处置记录：新增 1 条" in result.changes
