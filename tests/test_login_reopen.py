"""A login from the settings page reopens the window as that account at once, and a village cadre's
database is encrypted in between, before its first sync brings any of the village down (it was only
encrypted at the next start before)."""

from __future__ import annotations

from types import SimpleNamespace

import keyring
import pytest

from app.client.startup import ClientServices, open_client
from app.enrolment import SecretStore
from app.sync_service import OutboxReview
from db.engine import is_encrypted
from tests.client_sync_support import MemoryKeyring
from tests.server.databases import fresh_database
from tests.server.live import PASSWORD, live_server
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner


def test_the_settings_page_asks_to_reopen_after_a_login(qtbot, context, settings):  # noqa: F811
    reopened = []
    enrolment = SimpleNamespace(current=lambda: None, enrol=lambda url, user, pw: SimpleNamespace(
        username=user, role="village_cadre", scope="150422100201"))
    services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor),
                              enrolment=enrolment)
    window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, ScriptedDialogs(), ScriptedForms(),
                                     services, on_logged_in=lambda: reopened.append(True)))
    qtbot.addWidget(window)
    page = window.show_page("settings")
    page.server_url.setText("https://city.example")
    page.username.setText("cadre")
    page.password.setText("secret")
    page.log_in()
    assert reopened == [True]


@pytest.fixture(name="ring")
def memory_keyring():
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_reopened_as_a_cadre_the_database_is_encrypted_before_the_first_sync(tmp_path, ring):
    with fresh_database("sqlite", tmp_path) as url, live_server(url, tmp_path) as server:
        path = tmp_path / "laptop.db"
        guest = open_client(path, allow_unenrolled=True, secrets=SecretStore(ring))
        assert guest.enrolled is False
        guest.enrolment.enrol(server.url, server.add_user("village_cadre", "150422100201"), PASSWORD)
        guest.context.close()  # what the window does when the settings page asks to reopen
        assert not is_encrypted(path)  # nothing synced yet, and nothing will be into a plain file
        cadre = open_client(path, secrets=SecretStore(ring))
        try:
            assert cadre.enrolled and is_encrypted(path)
            cadre.sync.sync_now()
            assert is_encrypted(path)
        finally:
            cadre.context.close()
