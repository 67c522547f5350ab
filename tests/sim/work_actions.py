"""The simulation's actions on the work records, the code tables and what the register adds beside
persons: tasks with their village targets, households linked to a target and marked handled, target
feedback (append-only), target status moves (forward and 退回), case parties and whistles (吹哨报到),
"not the same person" decisions (a set element per pair, undone by its tombstone), attachments (a
file's metadata on a case or household, captions edited concurrently), print snapshots
(append-only) and a township's local code entries. Each is written the way the client writes it
(through the ORM with capture on), and some are edited by several clients before they sync, so these
entities meet conflicts, evictions and snapshots like the register does. A mixin of `SyncSimulation` (tests/sim/test_sync_sim.py)."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from sqlalchemy import select

from db.ids import person_distinction_id
from db.models import (
    Attachment,
    Case,
    CaseParty,
    CaseWhistle,
    CodeEntry,
    Household,
    Person,
    PersonDistinction,
    PrintSnapshot,
    Task,
    TaskFeedback,
    TaskLink,
    TaskTarget,
)
from sync.merge import scope_region
from sync.wire import record_fields
from tests.sim.world import TOWNSHIP, VILLAGES

TARGET_FORWARD = {"10": "20", "20": "30"}
TARGET_BACK = {"10": "40", "20": "40"}  # 退回 by the village


class WorkActions:
    """Rules for tasks, task targets/links/feedback, case parties and whistles, code entries."""

    def _held(self, client, model: type, which: int) -> str | None:
        """A live record of `model` that the client holds and may write (its region lies within the
        client's scope: the desk offers no edit of a wider record), picked by `which`."""
        with client.device.factory() as session:
            rows = session.scalars(select(model).where(model.deleted.is_(False)).order_by(model.id)).all()
            ids = [r.id for r in rows
                   if scope_region(model.__sync_entity__, record_fields(r)).startswith(client.scope)]
        return ids[which % len(ids)] if ids else None

    def _seed_work(self) -> None:
        """By the township client (index 0), before the first sync: a task for two villages, each
        target linked to a household of its village, a photo on a case and a printed household
        card, so every example starts with work records to fight over."""
        township = self.clients[0]
        self.create_task(0, set(VILLAGES[:2]))
        n = self._next()
        with township.device.factory.begin() as session:
            for target in session.scalars(select(TaskTarget).order_by(TaskTarget.id)):
                home = session.scalar(select(Household.id).where(Household.region_code == target.region_code)
                                      .order_by(Household.id).limit(1))
                if home is not None:
                    session.add(TaskLink(target_id=target.id, household_id=home, region_code=target.region_code))
            case_id = session.scalar(select(Case.id).order_by(Case.id).limit(1))
            self._attach(session, Case, case_id, n, 0)
            pair = session.scalars(select(Person.id).where(Person.region_code == VILLAGES[0])
                                   .order_by(Person.id).limit(2)).all()
            if len(pair) == 2:
                self._distinguish(session, pair[0], pair[1], "user0", undo=False)
        self.print_form(0, 0)

    # -- tasks ------------------------------------------------------------------------------------
    @rule(pick=st.integers(0, 99), villages=st.sets(st.sampled_from(VILLAGES[:2]), min_size=1))
    def create_task(self, pick, villages):
        """The township issues a task to one or two villages (a target each)."""
        client = self._client(pick)
        n = self._next()
        if client.scope != TOWNSHIP:
            return
        with client.device.factory.begin() as session:
            task = Task(task_no=f"T{n:05d}", title=f"任务{n}", department_code="mz",
                        issued_at=dt.datetime(2026, 3, 1, 8), due_at=dt.datetime(2026, 4, 1, 18),
                        region_code=TOWNSHIP, issued_by=f"user{client.index}")
            session.add(task)
            session.flush()
            session.add_all(TaskTarget(task_id=task.id, region_code=v, total_count=2) for v in sorted(villages))

    @rule(picks=st.lists(st.integers(0, 99), min_size=1, max_size=3), which=st.integers(0, 999),
          backs=st.lists(st.booleans(), min_size=3, max_size=3))
    def move_target(self, picks, which, backs):
        """One target moved by one or more clients before they sync: forward (接收, 完成) or 退回."""
        target_id = self._held(self._client(picks[0]), TaskTarget, which)
        if target_id is None:
            return
        for pick, back in zip(picks, backs, strict=False):
            client = self._client(pick)
            self._next()
            with client.device.factory.begin() as session:
                target = session.get(TaskTarget, target_id)
                if target is None or target.deleted:
                    continue
                new = (TARGET_BACK if back else TARGET_FORWARD).get(target.status)
                if new is not None:
                    target.status = new
                    target.assignee = f"user{client.index}"

    @precondition(lambda self: self.households)
    @rule(pick=st.integers(0, 99), which=st.integers(0, 999), household=st.integers(0, 999))
    def link_household(self, pick, which, household):
        """Link a household of the target's village to the target, or mark an existing link handled
        (or not handled again)."""
        client = self._client(pick)
        target_id = self._held(client, TaskTarget, which)
        hid = self._held(client, Household, household)
        n = self._next()
        if target_id is None or hid is None:
            return
        with client.device.factory.begin() as session:
            target = session.get(TaskTarget, target_id)
            home = session.get(Household, hid)
            if target is None or home is None or home.region_code != target.region_code:
                return
            link = session.scalar(select(TaskLink).where(TaskLink.target_id == target_id,
                                                         TaskLink.household_id == hid))
            if link is None:
                session.add(TaskLink(target_id=target_id, household_id=hid, region_code=target.region_code))
            else:
                link.handled = not link.handled
                link.handled_at = dt.datetime(2026, 3, 2) + dt.timedelta(minutes=n) if link.handled else None
                link.handled_by = f"user{client.index}" if link.handled else None

    @rule(pick=st.integers(0, 99), which=st.integers(0, 999))
    def add_feedback(self, pick, which):
        client = self._client(pick)
        target_id = self._held(client, TaskTarget, which)
        n = self._next()
        if target_id is None:
            return
        with client.device.factory.begin() as session:
            target = session.get(TaskTarget, target_id)
            entry = TaskFeedback(target_id=target_id, region_code=target.region_code, at=dt.datetime(2026, 3, 3),
                                 author=f"user{client.index}", text=f"反馈{n}", handled_count=n % 3, total_count=2)
            session.add(entry)
        self.log_entries[entry.id] = "task_feedback"

    # -- case parties and whistles -----------------------------------------------------------
    @precondition(lambda self: self.cases)
    @rule(pick=st.integers(0, 99), which=st.integers(0, 999), whistle=st.booleans())
    def add_party_or_whistle(self, pick, which, whistle):
        client = self._client(pick)
        cid = self._held(client, Case, which)
        n = self._next()
        if cid is None:
            return
        with client.device.factory.begin() as session:
            case = session.get(Case, cid)
            if whistle:
                session.add(CaseWhistle(case_id=cid, region_code=case.region_code, department_code="mz",
                                        summoned_at=dt.datetime(2026, 3, 2, 9) + dt.timedelta(minutes=n)))
            else:
                session.add(CaseParty(case_id=cid, region_code=case.region_code, name=f"当事人{n}",
                                      role="申请人", phone=f"138{n:08d}"))

    @precondition(lambda self: self.cases)
    @rule(picks=st.lists(st.integers(0, 99), min_size=1, max_size=3), which=st.integers(0, 999),
          whistle=st.booleans())
    def edit_party_or_whistle(self, picks, which, whistle):
        """Several clients edit one party's phone, or one whistle's arrival and evaluation."""
        model = CaseWhistle if whistle else CaseParty
        record_id = self._held(self._client(picks[0]), model, which)
        if record_id is None:
            return
        for pick in picks:
            client = self._client(pick)
            n = self._next()
            with client.device.factory.begin() as session:
                record = session.get(model, record_id)
                if record is None:
                    continue
                if whistle:
                    record.arrived_at = dt.datetime(2026, 3, 2, 10) + dt.timedelta(minutes=n)
                    record.evaluation = str(1 + n % 4)
                else:
                    record.phone = f"139{n:08d}"

    # -- "not the same person" decisions -------------------------------------------------------
    @rule(picks=st.lists(st.integers(0, 99), min_size=1, max_size=2), first=st.integers(0, 999),
          second=st.integers(0, 999), undo=st.booleans())
    def distinguish_persons(self, picks, first, second, undo):
        """Clerks decide two persons of one village are different people (one record per pair,
        whoever decides it, a set element), or undo that decision (its tombstone)."""
        a, b = (self._held(self._client(picks[0]), Person, w) for w in (first, second))
        if a is None or b is None or a == b:
            return
        for pick in picks:
            client = self._client(pick)
            self._next()
            with client.device.factory.begin() as session:
                self._distinguish(session, a, b, f"user{client.index}", undo)

    @staticmethod
    def _distinguish(session, a: str, b: str, who: str, undo: bool) -> None:
        first, second = session.get(Person, a), session.get(Person, b)
        if first is None or second is None or first.region_code != second.region_code:
            return
        record = session.get(PersonDistinction, person_distinction_id(a, b))
        if record is None and not undo:
            low, high = sorted((a, b))
            session.add(PersonDistinction(id=person_distinction_id(a, b), first_person_id=low,
                                          second_person_id=high, region_code=first.region_code, decided_by=who))
        elif record is not None:
            record.deleted = undo

    # -- attachments and print snapshots ------------------------------------------------------
    @rule(pick=st.integers(0, 99), which=st.integers(0, 999), on_case=st.booleans())
    def attach_file(self, pick, which, on_case):
        """A photo's metadata attached to a case or a household (the bytes move apart from sync)."""
        client = self._client(pick)
        owner_model = Case if on_case else Household
        owner_id = self._held(client, owner_model, which)
        n = self._next()
        if owner_id is not None:
            with client.device.factory.begin() as session:
                self._attach(session, owner_model, owner_id, n, client.index)

    @staticmethod
    def _attach(session, owner_model: type, owner_id: str, n: int, index: int) -> None:
        owner = session.get(owner_model, owner_id)
        session.add(Attachment(owner_entity=owner_model.__sync_entity__, owner_id=owner_id,
                               region_code=owner.region_code, sha256=f"{n:064x}", size=1000 + n,
                               mime="image/jpeg", filename=f"现场{n}.jpg", added_by=f"user{index}",
                               added_at=dt.datetime(2026, 3, 4) + dt.timedelta(minutes=n)))

    @rule(picks=st.lists(st.integers(0, 99), min_size=1, max_size=3), which=st.integers(0, 999))
    def caption_attachment(self, picks, which):
        """Several clients caption one attachment before they sync."""
        attachment_id = self._held(self._client(picks[0]), Attachment, which)
        if attachment_id is None:
            return
        for pick in picks:
            client = self._client(pick)
            n = self._next()
            with client.device.factory.begin() as session:
                attachment = session.get(Attachment, attachment_id)
                if attachment is not None:
                    attachment.caption = f"说明{client.index}-{n}"

    @rule(pick=st.integers(0, 99), which=st.integers(0, 999))
    def print_form(self, pick, which):
        """A household card printed: what it showed is kept (append-only)."""
        client = self._client(pick)
        hid = self._held(client, Household, which)
        n = self._next()
        if hid is None:
            return
        with client.device.factory.begin() as session:
            home = session.get(Household, hid)
            snapshot = PrintSnapshot(entity="household", record_id=hid, region_code=home.region_code,
                                     printed_at=dt.datetime(2026, 3, 5) + dt.timedelta(minutes=n),
                                     printed_by=f"user{client.index}", fields={"住址": home.address})
            session.add(snapshot)
        self.log_entries[snapshot.id] = "print_snapshot"

    # -- code entries -------------------------------------------------------------------------
    @rule(picks=st.lists(st.integers(0, 99), min_size=1, max_size=3), which=st.integers(0, 999),
          new=st.booleans())
    def local_code_entry(self, picks, which, new):
        """A township adds a local code entry; clients relabel one (a village client's relabel of
        the township's entry is refused by the server and stays rejected in its outbox)."""
        first = self._client(picks[0])
        n = self._next()
        if new:
            if first.scope == TOWNSHIP:
                with first.device.factory.begin() as session:
                    session.add(CodeEntry(table="case_category", code=f"L{n:04d}", label_zh=f"本地类别{n}",
                                          label_en=f"Local {n}", scope_prefix=TOWNSHIP, sort_order=n))
            return
        entry_id = self._held(first, CodeEntry, which)
        if entry_id is None:
            return
        for pick in picks:
            client = self._client(pick)
            n = self._next()
            with client.device.factory.begin() as session:
                entry = session.get(CodeEntry, entry_id)
                if entry is not None:
                    entry.label_zh = f"类别{client.index}-{n}"
