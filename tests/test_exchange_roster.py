"""Excel exchange: the roster template, a roster with deliberate errors giving the expected
(row, column, message) report and writing nothing, a clean roster imported on confirm (through the
ORM, so change capture records it), a re-import changing nothing, export → import round trips, and
list exports masked by default with an audit entry."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.codes import seed_code_entries
from app.exchange.list_export import ExportColumn
from app.exchange.readers import RosterFileError
from app.exchange.roster_columns import ROSTER_COLUMNS, SHEET_NAME
from app.exchange.roster_import import FieldChange
from app.exchange.service import ExchangeService, ImportRefused
from app.services.context import Actor
from db.client import OutboxChange
from db.engine import session_factory
from db.models import AuditEntry, Household, Person
from sync.capture import install_capture
from tests.reports_sample import HEAD_ID_NUMBER, RARE_NAME, TOWNSHIP, VILLAGE, build_sample

NOW = dt.datetime(2026, 11, 27, 18, 40)
HEADERS = [c.header for c in ROSTER_COLUMNS]
NEW_HOUSEHOLD = VILLAGE + "030001"
GOOD_ROWS = [
    [NEW_HOUSEHOLD, "周桂兰", "周桂兰", "户主", "110101195502140020", "女", "1955-02-14", "汉族", "13800001234",
     "西屯村三组1号", "户籍常住", "初中毕业", "群众", "丧偶", "", ""],
    [NEW_HOUSEHOLD, "周桂兰", "马小军", "子", "110101198001010010", "", "", "回", "", "西屯村三组1号", "", "", "",
     "已婚", "", ""],
]


def write_roster(path, rows, headers=HEADERS):
    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET_NAME
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    wb.save(path)
    return path


@pytest.fixture
def sessions(engine):
    return capturing_sessions(engine)


def capturing_sessions(engine, *seeds):
    """A session factory on `engine` whose writes are captured as this PC's ("device-test"), after
    each of `seeds` (a function of a session) filled its reference data."""
    factory = session_factory(engine)
    install_capture(factory, "device-test")
    with factory() as session:
        for seed in seeds:
            seed(session)
        session.commit()
    return factory


@pytest.fixture
def desk(sessions):
    with sessions() as session:
        seed_code_entries(session)
        session.commit()
    return ExchangeService(sessions, Actor("陈科员", "township_staff", TOWNSHIP[:9]), clock=lambda: NOW)


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_template_has_columns_text_cells_and_code_lists(desk, tmp_path):
    path = desk.write_roster_template(tmp_path / "template.xlsx")
    wb = load_workbook(path)
    sheet = wb[SHEET_NAME]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["E2"].number_format == "@"  # ID numbers stay text
    assert "代码表" in wb.sheetnames and "填写说明" in wb.sheetnames
    assert any(c.value == "户主" for c in wb["代码表"]["A"])  # first coded column: 与户主关系
    assert sheet.data_validations.dataValidation


def test_roster_with_errors_is_reported_row_by_row_and_nothing_is_written(desk, sessions, tmp_path):
    bad = [
        [NEW_HOUSEHOLD, "周桂兰", "周桂兰", "户主", "110101195502140024", "女", "", "汉族", "1380000", "", "", "", "",
         "", "", ""],
        [NEW_HOUSEHOLD, "周桂兰", "马小军", "邻居", "110101198001010010", "女", "1980-02-01", "汉族", "", "", "",
         "", "", "", "", ""],
        [NEW_HOUSEHOLD, "周桂芳", "", "子", "110101198001010010", "", "", "", "", "", "", "", "", "", "", ""],
        ["1504020012", "李四", "李四", "户主", "110101198503070021", "", "", "", "", "", "", "", "", "", "", ""],
        ["110101001201010001", "王五", "王五", "户主", "110101197001010016", "", "", "", "", "", "", "", "", "",
         "", ""],
    ]
    preview = desk.preview_roster(write_roster(tmp_path / "bad.xlsx", bad))
    report = {(e.row, e.column): e.message for e in preview.errors}
    assert report == {
        (2, "公民身份号码"): "公民身份号码校验位错误，请核对",
        (2, "联系电话"): "联系电话格式不正确：手机为1开头的11位数字，固话可带区号和分机号",
        (3, "与户主关系"): "“邻居”不是有效的与户主关系，请从代码表中选择",
        (3, "性别"): "性别与公民身份号码不符",
        (3, "出生日期"): "出生日期与公民身份号码不符",
        (4, "姓名"): "姓名不能为空",
        (4, "公民身份号码"): "与第3行的公民身份号码重复",  # every problem of a row, also beside another one
        (4, "户主姓名"): "同一户的户主姓名不一致（第2行户主为“周桂兰”）",
        (5, "户编号"): "户编号应为18位数字：12位区划代码+2位组号+4位序号",
        (6, "户编号"): "户编号不在您负责的区域内",
    }
    assert not preview.ok and {c.action for c in preview.changes} == {"错误"}  # every row shown, none applicable
    assert preview.error_rows == (2, 3, 4, 5, 6) and preview.applicable == 0
    outbox_before = count(sessions, OutboxChange)  # the seeded code tables
    with pytest.raises(ImportRefused):
        desk.confirm_roster(tmp_path / "bad.xlsx", preview.digest)
    assert count(sessions, Person) == 0 and count(sessions, OutboxChange) == outbox_before


def test_id_numbers_excel_turned_into_numbers_are_reported(desk, tmp_path):
    row = list(GOOD_ROWS[0])
    row[0], row[4] = int(NEW_HOUSEHOLD), 110101195502140000  # what Excel keeps of a number typed as a number
    preview = desk.preview_roster(write_roster(tmp_path / "numbers.xlsx", [row]))
    assert {(e.row, e.column) for e in preview.errors} == {(2, "户编号"), (2, "公民身份号码")}
    assert all("被Excel存成了数字" in e.message for e in preview.errors)


def test_a_file_that_is_not_xlsx_is_refused_clearly(desk, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_text("户编号,姓名\n", encoding="utf-8")
    with pytest.raises(RosterFileError) as refused:
        desk.preview_roster(path)
    assert refused.value.code == "roster_damaged" and "损坏" in refused.value.message()


def test_file_level_rules(desk, tmp_path):
    rows = [GOOD_ROWS[0], [*GOOD_ROWS[1][:1], "周桂芬", *GOOD_ROWS[1][2:]], GOOD_ROWS[1], GOOD_ROWS[0]]
    preview = desk.preview_roster(write_roster(tmp_path / "dup.xlsx", rows))
    messages = {(e.row, e.column): e.message for e in preview.errors}
    assert messages[(3, "户主姓名")] == "同一户的户主姓名不一致（第2行户主为“周桂兰”）"
    assert messages[(4, "公民身份号码")] == "与第3行的公民身份号码重复"
    assert messages[(5, "公民身份号码")] == "与第2行的公民身份号码重复"
    assert messages[(5, "与户主关系")] == "同一户只能有一位户主（第2行已是户主）"
    with pytest.raises(RosterFileError) as no_header:
        desk.preview_roster(write_roster(tmp_path / "cols.xlsx", [["x"]], headers=["姓名"]))
    assert no_header.value.code == "roster_no_header"
    with pytest.raises(ImportRefused) as incomplete:
        desk.preview_roster(write_roster(tmp_path / "cols2.xlsx", [["x", "子"]], headers=["姓名", "关系"]))
    # 户编号 may be missing (households are then told apart by their head rows); an ID number may not
    assert incomplete.value.code == "roster_mapping_incomplete" and "户编号" not in incomplete.value.message()
    assert "公民身份号码" in incomplete.value.message()


def test_clean_roster_imports_on_confirm_and_reimport_changes_nothing(desk, sessions, tmp_path):
    path = write_roster(tmp_path / "good.xlsx", GOOD_ROWS)
    outbox_before = count(sessions, OutboxChange)  # the seeded code tables
    preview = desk.preview_roster(path)
    assert preview.ok, preview.errors
    assert (preview.households_new, preview.persons_new) == (1, 2)
    assert count(sessions, Person) == 0  # preview writes nothing
    result = desk.confirm_roster(path, preview.digest)
    assert (result.households_new, result.persons_new, result.records_written) == (1, 2, 3)
    with sessions() as session:
        household = session.scalar(select(Household).where(Household.household_no == NEW_HOUSEHOLD))
        son = session.scalar(select(Person).where(Person.id_number == "110101198001010010"))
        head = session.get(Person, household.head_person_id)
        assert head.name == "周桂兰" and household.address == "西屯村三组1号" and household.phone == "13800001234"
        assert (son.gender, son.birth_date, son.ethnicity, son.relation_to_head) == ("1", dt.date(1980, 1, 1), "03", "20")
        assert son.household_id == household.id and son.region_code == VILLAGE
    outbox_after_first = count(sessions, OutboxChange)
    assert outbox_after_first - outbox_before >= 4  # household, two persons, the import's audit entry: captured for sync

    again = desk.preview_roster(path)
    assert (again.households_new, again.persons_new, again.persons_updated, again.unchanged) == (0, 0, 0, 3)
    assert desk.confirm_roster(path, again.digest).records_written == 0
    assert count(sessions, OutboxChange) == outbox_after_first  # nothing written, nothing to sync


def test_confirm_refuses_a_file_changed_after_preview(desk, sessions, tmp_path):
    path = write_roster(tmp_path / "good.xlsx", GOOD_ROWS)
    preview = desk.preview_roster(path)
    write_roster(path, GOOD_ROWS[:1])
    with pytest.raises(ImportRefused) as refused:
        desk.confirm_roster(path, preview.digest)
    assert refused.value.code == "import_file_changed"
    assert count(sessions, Person) == 0


def test_changed_cells_update_only_those_fields(desk, sessions, tmp_path):
    path = write_roster(tmp_path / "good.xlsx", GOOD_ROWS)
    desk.confirm_roster(path, desk.preview_roster(path).digest)
    edited = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1])]
    edited[1][8] = "13911112222"
    path2 = write_roster(tmp_path / "edited.xlsx", edited)
    preview = desk.preview_roster(path2)
    updated = [c for c in preview.changes if c.action == "更新"]
    assert [(c.name, c.fields) for c in updated] == [("马小军", (FieldChange("联系电话", "", "139****2222"),))]
    desk.confirm_roster(path2, preview.digest)
    with sessions() as session:
        son = session.scalar(select(Person).where(Person.id_number == "110101198001010010"))
        assert son.phone == "13911112222" and son.education is None


def test_export_then_import_round_trips(sessions, tmp_path):
    with sessions() as session:
        build_sample(session)
    desk = ExchangeService(sessions, Actor("陈科员", "township_admin", TOWNSHIP[:9]), clock=lambda: NOW)
    full = desk.export_roster(VILLAGE, tmp_path / "roster.xlsx", "年度核对", reveal=True)
    assert full.rows == 4
    preview = desk.preview_roster(full.path)
    assert preview.ok, preview.errors
    assert (preview.households_new, preview.persons_new, preview.persons_updated, preview.unchanged) == (0, 0, 0, 6)
    names = {c.name for c in preview.changes}
    assert RARE_NAME in names  # the Ext-B name survives xlsx both ways

    masked = desk.export_roster(VILLAGE, tmp_path / "masked.xlsx", "年度核对")
    cells = [c.value for row in load_workbook(masked.path)[SHEET_NAME].iter_rows() for c in row]
    assert HEAD_ID_NUMBER not in cells and "110105********002X" in cells
    refused = desk.preview_roster(masked.path)
    assert any(e.message == "公民身份号码为脱敏值（含*），请填写完整号码" for e in refused.errors)


def test_list_export_masks_by_default_and_is_audited(desk, sessions, tmp_path):
    rows = [{"name": "张三丰", "id": HEAD_ID_NUMBER, "phone": "13812345678", "village": "西屯村"}]
    columns = [ExportColumn("姓名", "name", "name"), ExportColumn("公民身份号码", "id", "id", 22),
               ExportColumn("联系电话", "phone", "phone"), ExportColumn("村", lambda r: r["village"])]
    result = desk.export_list(tmp_path / "list.xlsx", "人员名单", columns, rows, "低保核查", "person", ["p1"])
    wb = load_workbook(result.path)
    values = [[c.value for c in row] for row in wb["人员名单"].iter_rows()]
    assert values == [["姓名", "公民身份号码", "联系电话", "村"], ["张三丰", "110105********002X", "138****5678", "西屯村"]]
    about = dict(wb["导出说明"].iter_rows(values_only=True))
    assert about["导出人"] == "陈科员" and about["用途"] == "低保核查" and about["脱敏"].startswith("是")
    summary = desk.export_list(tmp_path / "names.xlsx", "名单", columns, rows, "检查", "person", ["p1"],
                               mask_names=True)
    assert load_workbook(summary.path)["名单"]["A2"].value == "张**"
    with sessions() as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [(e.action, e.entity, e.record_ids) for e in entries] == [("export", "person", ["p1"])] * 2


def test_list_export_writes_text_as_typed_never_as_formula(desk, tmp_path):
    """Attribute rows (the list pages' row objects): text that looks like a formula, a number or a
    link stays the text typed; missing values are empty cells; numbers stay numbers."""
    from types import SimpleNamespace

    rows = [SimpleNamespace(name='=HYPERLINK("http://x","点我")', address="+86 0012", count=3, note=None),
            SimpleNamespace(name="-1", address="http://example.invalid", count=0, note="备注")]
    columns = [ExportColumn("姓名", "name"), ExportColumn("住址", "address"), ExportColumn("人数", "count"),
               ExportColumn("备注", "note")]
    result = desk.export_list(tmp_path / "text.xlsx", "名单", columns, rows, "检查", "person", ["a", "b"])
    sheet = load_workbook(result.path)["名单"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ['=HYPERLINK("http://x","点我")', "+86 0012", 3, None], ["-1", "http://example.invalid", 0, "备注"]]
    assert sheet["A2"].data_type == "s" and sheet["A3"].data_type == "s" and not sheet["B3"].hyperlink
