"""Counts in the English interface agree with their nouns: a household card printed read "Wrote 1
pages (1 records)", a one-household one-form "1 of 1 households checked". Every English text with a
count goes through Qt's plural forms (tr with n, %n)."""
# Fixtures come from tests/ui_support.py by import, which ruff reads as redefinition.
# ruff: noqa: F811

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from sqlalchemy import select

from app.client.startup import ClientServices
from app.codes import set_display_language
from app.sync_service import OutboxReview
from db.models import Household
from tests.ui_support import ScriptedDialogs, ScriptedForms, context, demo_template, settings  # noqa: F401
from ui import i18n
from ui import settings as opts
from ui.app import Shell, build_main_window
from ui.tasks import ImmediateTaskRunner

NOUNS = ("households", "persons", "people", "rows", "records", "pages", "tasks", "lines", "weeks", "tags",
         "parties", "cases", "changes", "townships", "items", "days", "entries", "files", "members")


def test_a_printed_card_says_one_page_one_record_in_english(qtbot, qapp, context, settings, tmp_path):
    settings.set(opts.LANGUAGE, "en")
    translators = i18n.install(qapp, "en")
    set_display_language("en")
    try:
        dialogs = ScriptedDialogs()
        services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor))
        window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, dialogs, ScriptedForms(), services,
                                         documents_dir=tmp_path))
        qtbot.addWidget(window)
        with context.sessions() as s:
            household = s.scalars(select(Household).order_by(Household.household_no)).first()
        panel = window.show_page("register").panel
        panel.open_household(household.id)
        dialogs.texts.append("home visit")
        dialogs.paths.append(str(tmp_path / "card.pdf"))
        panel.print_card()
        [(_kind, _title, text)] = [shown for shown in dialogs.shown if shown[0] == "info"]
        assert text.startswith("Wrote 1 page (1 record): "), text
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)
        set_display_language("zh_CN")


def test_every_english_count_goes_through_plural_forms():
    """A translation that puts a number placeholder before a plural noun is a numerus message."""
    tree = ET.parse(i18n.ts_path("en"))
    singular_only = []
    for message in tree.iter("message"):
        translation = message.find("translation")
        if message.get("numerus") == "yes" or translation is None or not translation.text:
            continue
        if re.search(r"%\d+ (?:\w+ )?(?:" + "|".join(NOUNS) + r")\b", translation.text):
            singular_only.append(translation.text)
    assert singular_only == []
