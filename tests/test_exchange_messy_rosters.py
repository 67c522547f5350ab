"""Rosters as villages really keep them, through the exchange service: title rows, merged household
cells, footers, full-width digits, apostrophes, padded names, the village's own header words, code
values as villages write them, GBK and UTF-8 CSV, .xls; every problem at the row it is on, the error
workbook fixed in Excel and imported again, "valid households only", field-by-field updates, grid
moves; and every kind of unreadable file refused with one message, nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.codes import seed_code_entries
from app.errors import ScopeError
from app.exchange import readers
from app.exchange.readers import RosterFileError
from app.exchange.roster_import import FieldChange
from app.exchange.service import ExchangeService, ImportRefused
from app.services.context import Actor
from db.client import OutboxChange
from db.models import AuditEntry, Household, Person
from tests import roster_files as rf
from tests.test_exchange_roster import capturing_sessions

NOW = dt.datetime(2026, 11, 27, 18, 40)


@pytest.fixture
def sessions(engine):
    return capturing_sessions(engine, seed_code_entries)


@pytest.fixture
def desk(sessions):
    return ExchangeService(sessions, Actor("陈科员", "township_staff", rf.TOWNSHIP), clock=lambda: NOW)


def count(sessions, model) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model))


def person(sessions, id_number: str) -> Person:
    with sessions() as session:
        return session.scalar(select(Person).where(Person.id_number == id_number))


def test_a_village_roster_imports_as_it_is(desk, sessions, tmp_path):
    path = rf.village_roster_xlsx(tmp_path / "西屯村花名册.xlsx")
    source = desk.open_roster(path)
    fields = {c.label: c.field for c in source.layout.columns}
    assert fields["户号"] == "household_no" and fields["身份证号码"] == "id_number" and fields["手机号"] == "phone"
    assert fields["家庭住址"] == "household_address" and fields["出生年月"] == "birth_date" and fields["序号"] is None
    assert source.check.unmapped == ("序号",) and not source.check.missing and not source.remembered
    preview = desk.preview_roster(path)
    assert preview.ok, preview.errors
    assert (preview.households_new, preview.persons_new) == (2, 4)
    assert any("表尾2行" in w.message for w in preview.warnings)  # 合计 and 制表人 are not data
    # rows under a merged 户号 took it: said as a count, not as "row 2" (它读作“第2行”)
    assert "有2行没填户编号/户主姓名，已按同户上一行（或合并单元格）补齐" in [w.message for w in preview.warnings]
    result = desk.confirm_roster(path, preview.digest)
    assert result.records_written == 6
    son, wife = person(sessions, "110101198001010010"), person(sessions, "110101197203040029")
    head = person(sessions, "110101195502140020")
    assert son is not None and son.current_address == "西屯村三组1号"  # merged cell filled down
    assert (son.relation_to_head, son.ethnicity, son.education) == ("20", "03", "61")  # 儿子, 回族, 高中
    assert (head.ethnicity, head.education, head.phone) == ("01", "71", "13800001234")  # 汉, 初中, phone kept
    assert person(sessions, "110101197001010016").name == "李明"  # "李 明" padded to line up
    assert wife.education == "90" and wife.gender == "2"  # 文盲 → 其他; gender written 2
    with sessions() as session:
        numbers = set(session.scalars(select(Household.household_no)))
    assert numbers == {rf.HOUSEHOLD_A, rf.HOUSEHOLD_B}  # the full-width 户号 normalised

    again = desk.preview_roster(path)
    assert (again.persons_new, again.persons_updated, again.unchanged) == (0, 0, 6)
    outbox = count(sessions, OutboxChange)
    assert desk.confirm_roster(path, again.digest).records_written == 0
    assert count(sessions, OutboxChange) == outbox
    assert desk.open_roster(path).remembered  # the confirmed mapping is kept for this layout


@pytest.mark.parametrize("kind", ["gbk", "gb18030", "utf-8-sig", "utf-8", "xls", "ods", "two-row"])
def test_other_formats_and_layouts_read_the_same(desk, tmp_path, kind):
    if kind == "xls":
        path = rf.xls_roster(tmp_path / "roster.xls")
    elif kind == "ods":
        path = rf.ods_roster(tmp_path / "roster.ods")
    elif kind == "two-row":
        path = rf.two_row_header_xlsx(tmp_path / "two.xlsx")
    else:
        path = rf.csv_roster(tmp_path / "roster.csv", kind)
    preview = desk.preview_roster(path)
    assert preview.ok, preview.errors
    assert preview.persons_new == (2 if kind == "two-row" else 4)
    encoding = {"gbk": "GBK/GB18030", "gb18030": "GBK/GB18030", "utf-8-sig": "UTF-8", "utf-8": "UTF-8"}
    if kind in encoding:
        assert f"按 {encoding[kind]} 编码读取" in [w.message for w in preview.warnings]  # shown, never guessed


def test_every_problem_is_reported_at_its_row(desk, sessions, tmp_path):
    members = [list(m) for m in rf.MEMBERS]
    members[0][6] = "110101195502140024"  # bad check digit on the head's row …
    members[0][9] = "1380000"  # … and a bad phone on the same row
    members[1][3] = "户主"  # a second head in household A
    members[2][5] = "藏"  # 藏 → 藏族: fine; the gender is the problem of this row
    members[2][4] = "2"  # 李明 is a man by his ID number
    members[3][8] = "邻居"  # an education nobody can map
    members.append([*members[3][:6], "110101197203040029", "", "邻居", "", ""])  # same ID twice, same bad value
    path = rf.village_roster_xlsx(tmp_path / "bad.xlsx", [tuple(m) for m in members], merge=False)
    preview = desk.preview_roster(path)
    found = {(e.row, e.column, e.message) for e in preview.errors}
    assert (4, "身份证号码", "公民身份号码校验位错误，请核对") in found
    assert any(r == 4 and c == "手机号" for r, c, _m in found)
    assert (5, "与户主关系", "同一户只能有一位户主（第4行已是户主）") in found
    assert (6, "性别", "性别与身份证号码不符") in found
    assert (8, "身份证号码", "与第7行的身份证号码重复") in found
    assert [(c, v, rows) for c, v, rows in preview.unknown_values] == [("文化程度", "邻居", (7, 8))]  # once per value
    kinds = {c.row: c.action for c in preview.changes if c.entity == "person"}
    assert set(kinds.values()) == {"错误"} and sorted(kinds) == [4, 5, 6, 7, 8]
    with pytest.raises(ImportRefused):
        desk.confirm_roster(path, preview.digest)
    assert count(sessions, Person) == 0


def test_a_household_without_head_and_a_lost_id_are_explained(desk, tmp_path):
    members = [list(m) for m in rf.MEMBERS[2:]]
    members[0][3] = "兄"
    path = rf.village_roster_xlsx(tmp_path / "nohead.xlsx", [tuple(m) for m in members], merge=False)
    wb = load_workbook(path)
    wb.active["H5"] = 110101197203040029  # typed as a number: Excel keeps 15 digits
    wb.save(path)
    messages = {(e.row, e.column): e.message for e in desk.preview_roster(path).errors}
    assert messages[(4, "与户主关系")] == "该户没有户主：同一户应有一人的与户主关系为“户主”"
    assert messages[(5, "身份证号码")].startswith("身份证号码被Excel存成了数字，只保留了前15位（110101197203040")


def test_error_workbook_is_fixed_in_excel_and_imported_again(desk, sessions, tmp_path):
    members = [list(m) for m in rf.MEMBERS]
    members[3][6] = "110101197203040028"  # household B's wife: bad check digit
    path = rf.village_roster_xlsx(tmp_path / "part.xlsx", [tuple(m) for m in members])
    preview = desk.preview_roster(path)
    assert preview.skipped_households == (rf.HOUSEHOLD_B,) and preview.error_rows == (6, 7)
    errors_path = tmp_path / "问题行.xlsx"
    assert desk.write_error_workbook(path, preview, errors_path) == 2
    sheet = load_workbook(errors_path).active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "问题说明" and sheet.max_row == 3
    id_col = header.index("身份证号码") + 1
    assert sheet.cell(3, id_col).value == "110101197203040028" and sheet.cell(3, id_col).fill.fgColor.rgb.endswith("FFC7CE")
    assert "校验位错误" in sheet.cell(3, len(header)).value and "同户" in sheet.cell(2, len(header)).value

    result = desk.confirm_roster(path, preview.digest, valid_only=True)  # the rest now, B later
    assert (result.households_new, result.persons_new, result.skipped_households) == (1, 2, 1)
    back = desk.open_roster(errors_path)  # the fixed rows come back under the mapping confirmed
    assert back.remembered and back.mapping == preview.mapping and "问题说明" in back.check.unmapped
    with sessions() as session:  # the saved rows (full IDs) are an audited export; one entry per apply
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.at, AuditEntry.action)).all()
        assert [(e.action, e.entity) for e in entries] == [("export", "person"), ("import", "person")]
        assert "part.xlsx" in entries[0].reason and "2 行" in entries[0].reason
        assert "含完整证件号码和电话" in entries[0].reason and entries[0].record_ids == []  # B is not registered yet

    wb = load_workbook(errors_path)
    wb.active.cell(3, id_col).value = "110101197203040029"  # the clerk fixes the cell in Excel
    wb.save(errors_path)
    fixed = desk.preview_roster(errors_path)
    assert fixed.ok, fixed.errors
    assert desk.confirm_roster(errors_path, fixed.digest).persons_new == 2
    assert count(sessions, Person) == 4


def test_saving_the_error_workbook_is_audited_naming_the_registered_persons_and_logs_no_id(
        desk, sessions, tmp_path, caplog):
    path = rf.village_roster_xlsx(tmp_path / "first.xlsx")
    desk.confirm_roster(path, desk.preview_roster(path).digest)
    members = [list(m) for m in rf.MEMBERS]
    members[1][9] = "1380000"  # household A's son: a phone too short — A's two registered members are saved
    again = rf.village_roster_xlsx(tmp_path / "again.xlsx", [tuple(m) for m in members])
    preview = desk.preview_roster(again)
    assert preview.error_rows == (4, 5)
    caplog.set_level("DEBUG")
    with pytest.raises(OSError):  # a folder that does not exist: no file, and no audit entry either
        desk.write_error_workbook(again, preview, tmp_path / "missing" / "问题行.xlsx")
    assert count(sessions, AuditEntry) == 1  # the import's
    assert desk.write_error_workbook(again, preview, tmp_path / "问题行.xlsx") == 2
    with sessions() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        registered = set(session.scalars(select(Person.id).where(Person.household_id == select(Household.id).where(
            Household.household_no == rf.HOUSEHOLD_A).scalar_subquery())))
    assert set(entry.record_ids) == registered and len(registered) == 2 and entry.username == "陈科员"
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert not [m[6] for m in rf.MEMBERS if m[6] in logged or m[6] in entry.reason]


def test_a_roster_of_existing_households_updates_field_by_field(desk, sessions, tmp_path):
    path = rf.village_roster_xlsx(tmp_path / "first.xlsx")
    desk.confirm_roster(path, desk.preview_roster(path).digest)
    members = [list(m) for m in rf.MEMBERS]
    members[1][9] = "13700009999"  # the son got a phone
    members[3][10] = "西屯村五组8号"  # household B's address corrected on one row only …
    path2 = rf.village_roster_xlsx(tmp_path / "update.xlsx", [tuple(m) for m in members], merge=False)
    messages = {(e.row, e.column): e.message for e in desk.preview_roster(path2).errors}
    assert messages == {(7, "家庭住址"): "同一户的家庭住址不一致（第6行为“西屯村三组2号”）"}
    members[2][10] = "西屯村五组8号"  # … and on both
    path2 = rf.village_roster_xlsx(tmp_path / "update.xlsx", [tuple(m) for m in members], merge=False)
    preview = desk.preview_roster(path2)
    changed = {(c.entity, c.name): c.fields for c in preview.changes if c.action == "更新"}
    assert changed == {("person", "马小军"): (FieldChange("手机号", "", "137****9999"),),
                       ("household", "李明"): (FieldChange("家庭住址", "西屯村三组2号", "西屯村五组8号"),)}
    desk.confirm_roster(path2, preview.digest)
    assert person(sessions, "110101198001010010").phone == "13700009999"
    with sessions() as session:
        assert session.scalar(select(Household.address).where(Household.household_no == rf.HOUSEHOLD_B)) \
            == "西屯村五组8号"


def test_the_clerk_changes_the_mapping_and_it_is_remembered(desk, sessions, tmp_path):
    path = rf.village_roster_xlsx(tmp_path / "map.xlsx")
    source = desk.open_roster(path)
    mapping = dict(source.mapping)
    notes = next(c.index for c in source.layout.columns if c.label == "备注")
    address = next(c.index for c in source.layout.columns if c.label == "家庭住址")
    mapping.pop(address)  # the clerk does not want addresses from this file
    mapping[notes] = "hukou_address"
    preview = desk.preview_roster(path, mapping)
    desk.confirm_roster(path, preview.digest, mapping)
    assert person(sessions, "110101195502140020").current_address == ""
    again = desk.open_roster(rf.village_roster_xlsx(tmp_path / "next-month.xlsx"))
    assert again.remembered and again.mapping == mapping


@pytest.mark.parametrize(("suffix", "make"), [
    (".et", rf.village_roster_xlsx),  # WPS saving its .et as the xlsx container
    (".ett", rf.village_roster_xlsx),
    (".et", rf.xls_roster),  # … or as the .xls (BIFF8) one
])
def test_wps_et_files_that_hold_an_excel_workbook_import(desk, sessions, tmp_path, suffix, make):
    path = make(tmp_path / f"西屯村花名册{suffix}")
    assert path.suffix == suffix
    preview = desk.preview_roster(path)
    assert preview.ok and preview.persons_new == 4, preview.errors
    desk.confirm_roster(path, preview.digest)
    assert count(sessions, Person) == 4


@pytest.mark.parametrize("damage", ["truncated", "zlib", "encrypted", "et", "text-as-xlsx", "empty", "huge",
                                    "latin1-csv", "png"])
def test_unreadable_files_get_one_clear_message_and_nothing_is_written(desk, sessions, tmp_path, damage,
                                                                       monkeypatch):
    good = rf.village_roster_xlsx(tmp_path / "good.xlsx")
    path = tmp_path / "bad.xlsx"
    expected = "roster_damaged"
    if damage == "truncated":
        rf.truncated_xml_xlsx(good, path)
    elif damage == "zlib":
        rf.bad_zlib_xlsx(good, path)
    elif damage == "encrypted":
        rf.encrypted_xlsx(path)
        expected = "roster_encrypted"
    elif damage == "et":
        path = rf.wps_native_et(tmp_path / "roster.et")
        expected = "roster_wps_format"
    elif damage == "text-as-xlsx":
        path.write_text("户号,姓名\n", encoding="utf-8")
    elif damage == "empty":
        path.write_bytes(b"")
        expected = "roster_empty"
    elif damage == "huge":
        monkeypatch.setattr(readers, "MAX_BYTES", 1000)
        path = good
        expected = "roster_too_big"
    elif damage == "latin1-csv":
        path = tmp_path / "roster.csv"
        path.write_bytes("Nom,Prénom,Adresse\nMüller,Zoë,Straße\n".encode("latin-1"))
        expected = "roster_encoding_unknown"
    elif damage == "png":
        path = tmp_path / "photo.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
        expected = "roster_unknown_kind"
    outbox = count(sessions, OutboxChange)
    with pytest.raises(RosterFileError) as refused:
        desk.open_roster(path)
    assert refused.value.code == expected
    assert refused.value.message() and refused.value.message("en") != refused.value.message()
    assert count(sessions, Person) == 0 and count(sessions, OutboxChange) == outbox


def test_every_code_synonym_points_at_a_label_the_code_tables_have():
    """Synonyms name labels, not codes: when a code table changes, this names the synonym to fix."""
    from app.codes import CodeBook
    from app.exchange.synonyms import VALUE_SYNONYMS

    book = CodeBook.from_resources()
    for table, words in VALUE_SYNONYMS.items():
        labels = {item.label_zh for item in book.entries(table)}
        assert labels, table
        missing = {word: label for word, label in words.items() if label not in labels}
        assert missing == {}, f"{table}: {missing}"


def test_a_village_numbering_households_1_2_3_imports_into_the_chosen_village(desk, sessions, tmp_path):
    members = [("3-1" if m[0] == rf.HOUSEHOLD_A else "3组2号", *m[1:]) for m in rf.MEMBERS]
    path = rf.village_roster_xlsx(tmp_path / "local.xlsx", members)
    refused = desk.preview_roster(path)
    assert {(e.row, e.column) for e in refused.errors} >= {(4, "户号"), (6, "户号")}
    assert "请选择所属村（社区）" in refused.errors[0].message
    preview = desk.preview_roster(path, village=rf.VILLAGE)
    assert preview.ok, preview.errors
    desk.confirm_roster(path, preview.digest, village=rf.VILLAGE)
    with sessions() as session:
        assert set(session.scalars(select(Household.household_no))) == {rf.HOUSEHOLD_A, rf.HOUSEHOLD_B}
    with pytest.raises(ScopeError):
        desk.preview_roster(path, village="150402002201")  # a village of another township


def test_households_move_to_another_grid_through_the_same_preview(desk, sessions, tmp_path):
    from db.models import Region

    with sessions() as session:
        session.add_all([Region(code=rf.VILLAGE + "001", name="一网格", level=6, parent_code=rf.VILLAGE),
                         Region(code=rf.VILLAGE + "002", name="二网格", level=6, parent_code=rf.VILLAGE)])
        session.commit()
    path = rf.village_roster_xlsx(tmp_path / "first.xlsx")
    desk.confirm_roster(path, desk.preview_roster(path).digest)
    wb = load_workbook(path)
    sheet = wb.active
    sheet.cell(3, 14).value = "网格"
    for row, grid in ((4, "二网格"), (5, "二网格"), (6, rf.VILLAGE + "001"), (7, rf.VILLAGE + "001")):
        sheet.cell(row, 14).value = grid
    sheet.cell(8, 14).value = None
    wb.save(tmp_path / "moves.xlsx")
    preview = desk.preview_roster(tmp_path / "moves.xlsx")
    moves = {c.household_no: c.fields for c in preview.changes if c.entity == "household" and c.action == "更新"}
    assert moves == {rf.HOUSEHOLD_A: (FieldChange("网格", "", "二网格"),),
                     rf.HOUSEHOLD_B: (FieldChange("网格", "", "一网格"),)}
    desk.confirm_roster(tmp_path / "moves.xlsx", preview.digest)
    assert person(sessions, "110101198001010010").grid_code == rf.VILLAGE + "002"  # members move along
    sheet.cell(4, 14).value = "三网格"
    wb.save(tmp_path / "bad-grid.xlsx")
    messages = {(e.row, e.column): e.message for e in desk.preview_roster(tmp_path / "bad-grid.xlsx").errors}
    assert messages == {(4, "网格"): "“三网格”不是本村（社区）的网格"}


def test_problems_read_in_english_too(desk, tmp_path):
    members = [list(m) for m in rf.MEMBERS]
    members[0][6] = "110101195502140024"
    members[1][3] = "户主"
    path = rf.village_roster_xlsx(tmp_path / "en.xlsx", [tuple(m) for m in members])
    preview = desk.preview_roster(path)
    english = {(e.row, e.text("en")) for e in preview.errors}
    assert (4, "The ID number's check character is wrong; please re-check it") in english
    assert (5, "A household has one head only (row 4 is the head already)") in english
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in w.text("en")) for w in preview.warnings)


def test_a_csv_saved_from_excel_with_ids_shown_as_1_10101e17_is_explained(desk, tmp_path):
    members = [list(m) for m in rf.MEMBERS]
    members[1][6] = "1.10101E+17"  # what Excel writes to CSV for an ID typed as a number
    path = rf.csv_roster(tmp_path / "roster.csv", "gbk", [tuple(m) for m in members])
    messages = {(e.row, e.column): e.message for e in desk.preview_roster(path).errors}
    assert messages[(3, "身份证号码")].startswith("身份证号码为“1.10101E+17”：Excel把号码存成了数字")


def test_a_grid_worker_imports_into_their_own_grid(sessions, tmp_path):
    grid = rf.VILLAGE + "001"
    worker = ExchangeService(sessions, Actor("网格员小王", "grid_worker", grid), clock=lambda: NOW)
    path = rf.village_roster_xlsx(tmp_path / "grid.xlsx")
    preview = worker.preview_roster(path)
    assert preview.ok, preview.errors
    worker.confirm_roster(path, preview.digest)
    assert person(sessions, "110101198001010010").grid_code == grid  # new households go to the worker's grid
    with sessions() as session:
        assert set(session.scalars(select(Household.grid_code))) == {grid}
    neighbour = ExchangeService(sessions, Actor("网格员小李", "grid_worker", rf.VILLAGE + "002"), clock=lambda: NOW)
    refused = neighbour.preview_roster(path)
    assert {e.message for e in refused.errors} == {"户号不在您负责的区域内"} and refused.applicable == 0


def test_relations_as_village_rosters_write_them(desk, sessions, tmp_path):
    """之子, 之女, 之孙, 爷爷, 奶奶, 孙媳 …: the words of the 与户主关系 column in rosters villages keep by
    hand (seen in a 福山地村 roster: every row with 之子 refused as "not a valid relation")."""
    from app.codes import CodeBook
    from app.exchange.synonyms import resolve_code

    book = CodeBook.from_resources()
    expected = {"之子": "子", "之女": "女", "之妻": "妻", "之孙": "孙子", "之孙女": "孙女", "之母": "母亲",
                "之父": "父亲", "之媳": "儿媳", "之婿": "女婿", "之兄": "兄", "之妹": "妹妹", "爷爷": "祖父",
                "奶奶": "祖母", "姥爷": "外祖父", "姥姥": "外祖母", "孙媳": "孙媳妇或外孙媳妇",
                "曾孙": "曾孙子或外曾孙子", "二子": "次子", "二女": "次女", "养子": "养子或继子",
                "继女": "养女或继女", "嫂子": "嫂", "姐": "姐姐", "妹": "妹妹", "长孙": "孙子"}
    wrong = {word: book.label("relation_to_head", resolve_code(book, "relation_to_head", word) or "")
             for word, label in expected.items()
             if resolve_code(book, "relation_to_head", word) is None
             or book.label("relation_to_head", resolve_code(book, "relation_to_head", word)) != label}
    assert wrong == {}
    members = [rf.MEMBERS[0][:3] + ("户　主", "女", "汉　族") + rf.MEMBERS[0][6:],  # spaced out to line up
               rf.MEMBERS[1][:3] + ("之子",) + rf.MEMBERS[1][4:]]
    preview = desk.preview_roster(rf.village_roster_xlsx(tmp_path / "之子.xlsx", members=members))
    assert preview.ok, [e.message for e in preview.errors]


def test_next_months_roster_with_the_villages_own_numbers_updates_the_registered_households(
        desk, sessions, tmp_path):
    """A village numbers its households 1, 2, 3 in its own roster, not as the register does: its update
    of registered households was refused row by row as 该人员已登记在户…，如需迁户请在系统中办理 (seen
    with 福山地村's households in the demo). Members already registered together name the household."""
    first = rf.village_roster_xlsx(tmp_path / "registered.xlsx")
    desk.confirm_roster(first, desk.preview_roster(first).digest)
    head = rf.MEMBERS[0]
    newborn = (head[0], head[1], "马小宝", "孙子", "男", "回", "110101202602010015", "2026.02", "", "", head[10])
    members = [("1" if m[0] == rf.HOUSEHOLD_A else "2", *m[1:]) for m in rf.MEMBERS[:2] + [newborn] + rf.MEMBERS[2:]]
    members[0] = members[0][:9] + ("13900009999",) + members[0][10:]
    path = rf.village_roster_xlsx(tmp_path / "next.xlsx", members)
    preview = desk.preview_roster(path, village=rf.VILLAGE)
    assert preview.ok, [e.message for e in preview.errors]
    assert (preview.households_new, preview.persons_new, preview.persons_updated) == (0, 1, 1)
    assert any("对应到已登记的户" in w.message for w in preview.warnings)
    desk.confirm_roster(path, preview.digest, village=rf.VILLAGE)
    with sessions() as session:
        assert set(session.scalars(select(Household.household_no))) == {rf.HOUSEHOLD_A, rf.HOUSEHOLD_B}
    assert person(sessions, "110101202602010015").household_id == person(sessions, head[6]).household_id
    assert person(sessions, head[6]).phone == "13900009999"


def test_a_roster_without_household_numbers_is_split_at_its_head_rows(desk, sessions, tmp_path):
    """Many villages keep no 户号 at all: a household is its 户主/本人 row and the rows under it. Such a
    roster was refused whole (“列对应不完整：户编号”). Its households are now told apart by their head
    rows; a registered family is found by its members' ID numbers, a new one gets the village's next
    free 户编号."""
    first = rf.village_roster_xlsx(tmp_path / "registered.xlsx")
    desk.confirm_roster(first, desk.preview_roster(first).digest)
    registered = [(m[2], m[3], m[4], m[6], m[9]) for m in rf.MEMBERS[:2]]
    households = [registered + [("马小宝", "孙子", "男", "110101202602010015", "")],
                  [("赵大海", "本人", "男", "110101197502280110", "13912340000"),
                   ("孙红梅", "配偶", "女", "11010119770404022X", "")]]
    path = rf.without_household_numbers_xlsx(tmp_path / "no-numbers.xlsx", households)
    assert not desk.open_roster(path).check.missing
    assert desk.preview_roster(path).errors[0].message.startswith("表中没有户号列")  # which village, then?
    preview = desk.preview_roster(path, village=rf.VILLAGE)
    assert preview.ok, [e.message for e in preview.errors]
    assert (preview.households_new, preview.persons_new) == (1, 3)
    desk.confirm_roster(path, preview.digest, village=rf.VILLAGE)
    head, newborn, new_head = (person(sessions, n) for n in (rf.MEMBERS[0][6], "110101202602010015",
                                                               "110101197502280110"))
    assert newborn.household_id == head.household_id
    with sessions() as session:
        numbers = set(session.scalars(select(Household.household_no)))
        fresh = session.get(Household, new_head.household_id)
        assert fresh.household_no not in (rf.HOUSEHOLD_A, rf.HOUSEHOLD_B) and fresh.household_no[:12] == rf.VILLAGE
        assert fresh.head_person_id == new_head.id and fresh.address == "西屯村四组2号"
    assert len(numbers) == 3
    assert desk.preview_roster(path, village=rf.VILLAGE).unchanged == 7  # again: 2 households, 5 persons as they are


def test_a_15_digit_id_of_old_records_is_read_as_its_18_digit_successor(desk, sessions, tmp_path):
    """An elderly member's number copied from old records (110101300101002, 15 digits) refused the
    household as 公民身份号码应为18位，当前为15位; the 18-digit number that replaced it is certain
    (GB 11643-1999), so it is imported as that, and the preview says how many were."""
    mother = (rf.HOUSEHOLD_A, "周桂兰", "马老太", "母亲", "女", "汉", "110101300101002", "1930.01", "", "", "")
    path = rf.village_roster_xlsx(tmp_path / "old-id.xlsx", rf.MEMBERS[:2] + [mother])
    preview = desk.preview_roster(path)
    assert preview.ok, [e.message for e in preview.errors]
    assert any("15位旧身份证号" in w.message for w in preview.warnings)
    desk.confirm_roster(path, preview.digest)
    registered = person(sessions, "110101193001010026")
    assert registered is not None and registered.name == "马老太" and registered.gender == "2"


def test_two_phone_numbers_in_one_cell_keep_the_first_as_the_phone_and_the_rest_in_the_notes(desk, sessions,
                                                                                             tmp_path):
    """Villages write a family's second number in the same cell (13800001234/13900005678): the row was
    refused as a bad phone and the household with it."""
    head = rf.MEMBERS[0][:9] + ("13800001234/0476-8231234",) + rf.MEMBERS[0][10:]
    path = rf.village_roster_xlsx(tmp_path / "two-phones.xlsx", [head, rf.MEMBERS[1]])
    preview = desk.preview_roster(path)
    assert preview.ok, [e.message for e in preview.errors]
    desk.confirm_roster(path, preview.digest)
    registered = person(sessions, rf.MEMBERS[0][6])
    assert registered.phone == "13800001234" and "其他电话：0476-8231234" in registered.notes
    assert desk.preview_roster(path).persons_updated == 0  # again: nothing changes
