"""500 household cards to one PDF, each with its QR code (targets: at most 1.5× a plain reportlab
page loop of the same text, and with the QR codes at most 1.1× that floor). A seeded register of 500 households (1–6 members each, valid ID numbers, a visit each)
is built in a fresh SQLite file; the cards are read once; then the timed part is laying out and
writing all cards through the real form code (tables, fallback fonts, watermark, page numbers),
against a floor that draws the same strings with `canvas.drawString`, one page per card, with the
same embedded font (every string the card shows, each with one drawString, no tables, rules,
fills or watermark transforms) and the card's QR code drawn the plain reportlab way (a
`QrCodeWidget` in a `Drawing` rendered onto the page by renderPDF). Both are measured in CPU seconds (median of 9 interleaved runs, each
from a collected heap) because benchmarks run on a shared machine. Reading the cards from the
database is reported as its own figure.

Runs as a group of `python -m bench` (`run(cfg)`) or alone: `python -m bench.bench_pdf [--quick]`."""

from __future__ import annotations

import datetime as dt
import gc
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common import BenchConfig, Figure, median, timed


def cpu_timed(fn) -> float:
    """CPU seconds of this (single-threaded) process: stable on a machine shared with other work,
    where wall time measures the neighbours as much as us. The heap is collected first, untimed: a
    full collection owed to the allocations of earlier runs (~0.1 s here) would otherwise be billed
    to whichever side happens to trip it; the collections a run's own work causes are still timed."""
    gc.collect()
    started = time.process_time()
    fn()
    return time.process_time() - started

CARDS, QUICK_CARDS = 500, 40
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
RELATIONS = ["02", "10", "20", "30", "50", "40"]


def _id_number(rng: random.Random, birth: dt.date, gender: str) -> str:
    from stdnum.cn import ric

    sequence = rng.randrange(0, 50) * 2 + (1 if gender == "1" else 0)
    body = f"150402{birth:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body)


def build_register(path: Path, households: int, seed: int):
    """A migrated SQLite file with `households` households of one village, seeded and deterministic."""
    from app.codes import seed_code_entries
    from db.engine import open_local, session_factory
    from db.models import Household, Person, Region, Visit

    rng = random.Random(seed)
    engine = open_local(path)
    with session_factory(engine)() as session:
        seed_code_entries(session)
        session.add(Region(code="150402001201", name="西屯村", level=5, parent_code="150402001000"))
        for n in range(households):
            household = Household(household_no=f"150402001201{n // 9999 + 1:02d}{n % 9999 + 1:04d}",
                                  region_code="150402001201", address=f"西屯村{n % 9 + 1}组{n + 1}号",
                                  phone=f"1380000{n:04d}", last_visit_on=dt.date(2026, 11, 1))
            session.add(household)
            session.flush()
            for m in range(rng.randint(1, 6)):
                gender = rng.choice("12")
                birth = dt.date(rng.randint(1940, 2020), rng.randint(1, 12), rng.randint(1, 28))
                person = Person(household_id=household.id, region_code=household.region_code,
                                name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.randint(1, 2))),
                                id_number=_id_number(rng, birth, gender), gender=gender, birth_date=birth,
                                ethnicity="01", relation_to_head=RELATIONS[m], residence_type="1", status="1",
                                education="61", political_status="13", marital_status="20",
                                phone=f"1390000{n:04d}", current_address=household.address)
                session.add(person)
                session.flush()
                if m == 0:
                    household.head_person_id = person.id
            session.add(Visit(household_id=household.id, region_code=household.region_code,
                              visited_on=dt.date(2026, 11, 1), visitor="刘网格", kind="1",
                              findings="家中情况正常，取暖设施完好", follow_up="下月回访"))
        session.commit()
    return engine


def card_strings(card, d) -> list[str]:
    """Every string one printed card shows (each label, value and table cell, header, footer and
    watermark), for the floor's plain page loop."""
    strings = ["西屯村", "打印日期 2026-11-27", "户情登记表", f"户编号：{card.household_no}　　{card.region_path}",
               "一、户基本信息"]
    for label, value in (("户编号", card.household_no), ("户主", card.head_name), ("户别", card.household_kind),
                         ("户口类型", card.hukou_type), ("联系电话", d.phone(card.phone)),
                         ("上次走访", str(card.last_visit_on)), ("所属区域", card.region_path),
                         ("户标签", "、".join(card.tags) or "无"), ("住址", card.address), ("备注", card.notes)):
        strings += [label, value]
    strings += [f"二、家庭成员（共 {len(card.members)} 人）", "序号", "姓名", "与户主关系", "性别", "出生日期", "民族",
                "公民身份号码", "联系电话", "人员类别", "状态"]
    for i, m in enumerate(card.members, start=1):
        strings += [str(i), m.name, m.relation, m.gender, str(m.birth_date), m.ethnicity, d.id_number(m.id_number),
                    d.phone(m.phone), m.residence_type, m.status]
    strings += ["序号", "姓名", "文化程度", "政治面貌", "婚姻状况", "现住址", "标签"]
    for i, m in enumerate(card.members, start=1):
        strings += [str(i), m.name, m.education, m.political_status, m.marital_status, m.current_address,
                    "、".join(m.tags)]
    strings += ["三、近期走访记录", "走访日期", "走访人", "方式", "走访情况", "后续跟进"]
    for v in card.visits:
        strings += [str(v.visited_on), v.visitor, v.kind, v.findings, v.follow_up]
    strings += ["四、核对确认", "经核对，以上信息属实。如有变化请在空白处注明，由登记人更新系统。",
                "户主或家庭成员（签字）：", "登记人（网格员）（签字）：", "村（社区）审核（签字）：",
                "年　　月　　日", "年　　月　　日", "年　　月　　日", "证件号码、联系电话已按规定脱敏显示。",
                d.watermark(), d.watermark(), d.watermark(), "第 1 页  共 1 页"]
    return [text for text in strings if text]


def card_code(card):
    """The card's QR code content, as the print service makes it (the version: a fixed stand-in id)."""
    from app.reports.qr import FormCode

    return FormCode("household", card.household_id, "01a24a00-0000-7000-8000-000000000000")


def plain_page_loop(path: Path, cards, d, with_qr: bool = True) -> None:
    """The floor: each string drawn once with drawString in the embedded main font, one page per
    card, strings stepped down and across the page, and the card's QR code as reportlab's widget
    draws it; no tables, rules, fills or layout."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from app.reports.fonts import MAIN_FONT, register_fonts

    register_fonts()
    canvas = Canvas(str(path), pagesize=A4, initialFontName=MAIN_FONT)
    for card in cards:
        canvas.setFont(MAIN_FONT, 9)
        for n, text in enumerate(card_strings(card, d)):
            canvas.drawString(50 + (n % 4) * 120, A4[1] - 60 - (n // 4) * 14, text)
        if with_qr:
            drawing = Drawing(48, 48)
            drawing.add(QrCodeWidget(card_code(card).payload(), barLevel="M", barWidth=48, barHeight=48))
            renderPDF.draw(drawing, canvas, A4[0] - 80, 20)
        canvas.showPage()
    canvas.save()


def run(cfg: BenchConfig) -> Iterator[Figure]:
    from reportlab.platypus import PageBreak

    from app.codes import CodeBook
    from app.reports.context import Disclosure
    from app.reports.fonts import register_fonts
    from app.reports.household_card import household_card_story
    from app.reports.layout import PageMarks, build_pdf
    from app.reports.register_data import household_cards, village_households
    from db.engine import session_factory

    count = QUICK_CARDS if cfg.quick else CARDS
    engine = build_register(cfg.workdir / "pdf_register.db", count, cfg.seed)
    d = Disclosure("bench", "基准测试", dt.datetime(2026, 11, 27, 9, 0))
    with session_factory(engine)() as session:
        codes = CodeBook.load(session)
        read_cards: list = []
        read_seconds = timed(lambda: read_cards.extend(household_cards(
            session, village_households(session, "150402001201"), codes, dt.date(2026, 11, 27))))
    engine.dispose()

    def ours() -> None:
        story = (f for n, card in enumerate(read_cards)
                 for f in ([PageBreak()] if n else []) + household_card_story(card, d, card_code(card)))
        build_pdf(str(cfg.workdir / "cards.pdf"), story, PageMarks("西屯村", "打印日期 2026-11-27", d.watermark()),
                  "户情登记表", "bench")

    register_fonts()  # font parsing is a once-per-process cost, not part of either loop
    repeats = 1 if cfg.quick else 9  # at load 4-12 on 2 cores single runs vary by +-40 %
    ours_runs, floor_runs, text_runs = [], [], []
    for _ in range(repeats):  # interleaved, so a busy neighbour slows both sides alike
        ours_runs.append(cpu_timed(ours))
        floor_runs.append(cpu_timed(lambda: plain_page_loop(cfg.workdir / "floor.pdf", read_cards, d)))
        text_runs.append(cpu_timed(lambda: plain_page_loop(cfg.workdir / "text.pdf", read_cards, d, False)))
    ours_s, floor_s = median(ours_runs), median(floor_runs)
    yield Figure(f"pdf_{count}_household_cards_qr_cpu", ours_s, "s", floor_s)
    # the same cards against the text-only loop: what the QR codes and the layout cost together
    yield Figure(f"pdf_{count}_household_cards_qr_vs_text_floor_cpu", ours_s, "s", median(text_runs))
    yield Figure(f"pdf_read_{count}_household_cards", read_seconds, "s")
    yield Figure("pdf_household_cards_size", (cfg.workdir / "cards.pdf").stat().st_size / 1e6, "MB")


if __name__ == "__main__":
    config = BenchConfig.quick_sizes() if "--quick" in sys.argv else BenchConfig()
    config.workdir = Path(tempfile.mkdtemp(prefix="td-bench-pdf-"))
    for figure in run(config):
        print(figure.line(), flush=True)
