"""The issue's day in one test: a clerk finds a person by pinyin initials, fixes their household's
address in the form and presses F5; the change goes through the real sync service to a city server
store (in process) and the status bar shows the outbox empty and the client online."""

# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

import db.models  # noqa: F401  (registers every entity table)
from app.client.startup import ClientServices
from app.sync_service import OutboxReview, SyncService
from db.base import Base
from db.models import Household
from demo import generate_township
from server.store.inprocess import StoreTransport
from server.store.tables import ServerBase
from tests.ui_support import (  # noqa: F401
    ScriptedDialogs,
    ScriptedForms,
    context,
    demo_template,
    settings,
    unique_person,
)
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner


def _city_server(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'city.db'}")
    event.listen(engine, "connect", lambda conn, _r: conn.execute("PRAGMA foreign_keys=ON"))
    Base.metadata.create_all(engine)
    ServerBase.metadata.create_all(engine)
    generate_township(engine, seed=7, households=60, tasks=6, cases=12)  # the same seed as the client
    return sessionmaker(engine)


def test_find_by_initials_fix_household_and_sync(qtbot, context, settings, tmp_path):
    server = _city_server(tmp_path)
    actor = context.actor
    sync = SyncService(context.engine, context.sessions, actor.device_id,
                       lambda: StoreTransport(server, actor.device_id, actor.username, actor.scope))
    services = ClientServices(context=context, sync=sync, outbox=OutboxReview(context.sessions, actor))
    dialogs = ScriptedDialogs()
    window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services))
    qtbot.addWidget(window)

    _id, name, initials, _number = unique_person(context)
    register = window.show_page("register")
    register.filters.search.setText(initials)
    register.filters.flush()
    assert register.persons.row_at(0).name == name
    register.person_view.selectRow(0)
    panel = register.panel
    household_id = panel.detail.household.id
    panel.address.setText("福山地村1组门牌更正为18号")
    register.save()
    qtbot.waitUntil(lambda: window.sync_bar.pending_label.text() == "待上传 1 条", timeout=3000)

    window.sync_bar.request_sync()
    assert dialogs.shown == []
    assert window.sync_bar.pending_label.text() == "待上传 0 条"
    assert window.sync_bar.rejected_label.text() == "被退回 0 条"
    assert window.sync_bar.connection_label.text().startswith("● 已同步 ")
    assert "从未" not in window.sync_bar.last_sync_label.text()
    with server() as session:
        assert session.get(Household, household_id).address == "福山地村1组门牌更正为18号"
