"""`python -m ui.screenshots DIR`: render every main screen of the client to PNG files in DIR, on a
small demo township generated into a temporary database, so people can look at the screens the
way a township clerk sees them (Chinese text, nothing clipped, nothing empty). Runs offscreen
(QT_QPA_PLATFORM=offscreen) or under Xvfb; work runs on the synchronous task runner so each
picture shows loaded data."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from app.client.browse import RegisterFilter
from app.client.startup import ClientServices
from app.codes import set_display_language
from app.sync_service import OutboxReview
from demo.client import demo_context
from ui import i18n
from ui import settings as opts
from ui.app import Shell, build_main_window, use_cjk_font
from ui.casedesk.screens import case_screens
from ui.dialogs import Dialogs
from ui.register.household_panel import HouseholdPanel
from ui.register.person_form import PersonForm
from ui.review.merge import MergeDialog
from ui.taskdesk.screens import task_screens
from ui.tasks import ImmediateTaskRunner


class _UnattendedDialogs(Dialogs):
    """No modal box while rendering unattended: a message is written to stderr instead (a late status
    refresh after the screens' database is gone once stopped the run on an error box nobody could close)."""

    def error(self, parent, title: str, text: str) -> None:
        print(f"{title}: {text}", file=sys.stderr)

    def info(self, parent, title: str, text: str) -> None:
        print(f"{title}: {text}", file=sys.stderr)

SIZE = (1366, 740)
PAGES = ("dashboard", "register", "tasks", "cases", "review", "reports", "settings")


def _settle(widget: QWidget) -> None:
    for _ in range(3):
        QCoreApplication.processEvents()
    widget.repaint()


def _save(widget: QWidget, path: Path) -> Path:
    _settle(widget)
    widget.grab().save(str(path))
    print(path)
    return path


def render_all(out: Path, language: str = "zh_CN", households: int = 300) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    use_cjk_font(app)
    translators = i18n.install(app, language)
    set_display_language(language)  # code labels (男, 户主, 在册) in the language too, as ui.app.run does
    with tempfile.TemporaryDirectory() as tmp:
        settings = opts.Settings.at_path(str(Path(tmp) / "settings.ini"))
        settings.set(opts.LANGUAGE, language)
        context = demo_context(Path(tmp), households)
        services = ClientServices(context=context, outbox=OutboxReview(context.sessions, context.actor))
        window = build_main_window(Shell(context, ImmediateTaskRunner(), settings, _UnattendedDialogs(),
                                         services=services))
        window.resize(*SIZE)
        window.show()
        suffix = "" if language == "zh_CN" else f"_{language}"
        saved = []
        for number, key in enumerate(PAGES, start=1):
            window.show_page(key)
            saved.append(_save(window, out / f"{number:02d}_{key}{suffix}.png"))
        saved += _register_views(window, out, suffix)
        for screens in (task_screens, case_screens):  # the work desks (ui/taskdesk, ui/casedesk)
            saved += screens(window, context, lambda widget, name: _save(widget, out / f"{name}{suffix}.png"))
        window.close()
        context.close()
    for translator in translators:
        app.removeTranslator(translator)
    set_display_language("zh_CN")
    return saved


def _register_views(window, out: Path, suffix: str) -> list[Path]:
    page = window.show_page("register")
    page.households.fetchMore()
    page.tabs.setCurrentWidget(page.household_view)
    page.household_view.selectRow(0)
    saved = [_save(window, out / f"20_register_household{suffix}.png")]
    page.filters.search.setText("wj")
    page.filters.flush()
    page.person_view.selectRow(0)
    saved.append(_save(window, out / f"21_register_search_initials{suffix}.png"))
    panel: HouseholdPanel = page.panel
    member = panel.members.members[0] if panel.members.members else None
    form = PersonForm(panel.labels, panel.check_person, member, window)
    form.id_number.setText("11010519491231002")
    form.resize(480, form.sizeHint().height())
    form.show()
    saved.append(_save(form, out / f"22_person_form_validation{suffix}.png"))
    form.done(QDialog.DialogCode.Rejected)
    saved.append(_merge_view(window, panel, out / f"23_merge_duplicates{suffix}.png"))
    return saved


def _merge_view(window, panel: HouseholdPanel, path: Path) -> Path:
    """A second person typed with an existing person's ID number (the register accepts it and the
    server flags it), shown in the merge view a reviewer gets."""
    context = panel.context
    first = panel.members.members[0]
    revealed = context.persons.reveal(first.id, "截图：演示重复人员合并")
    other = context.register.households_page(RegisterFilter(), 1, 1)[0]
    second = context.persons.create(other.id, first.name, id_type="01", id_number=revealed.id_number)
    sides = context.register.duplicate_pair(first.id, second.id)
    dialog = MergeDialog(*sides, panel.labels, window)
    dialog.show()
    saved = _save(dialog, path)
    dialog.done(QDialog.DialogCode.Rejected)
    return saved


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m ui.screenshots DIR", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(argv[0])
    render_all(out, "zh_CN")
    render_all(out, "en")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
