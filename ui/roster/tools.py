"""What the main window hands the list pages for rosters: the shared 导出 action and the opener of
the 导入花名册 wizard, both built on the application context and the one task runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from app.client.exports import ListExports
from ui.roster.export_action import ListExporter
from ui.roster.wizard import RosterImportWizard


class RosterTools:
    def __init__(self, context, runner, dialogs, on_error, documents_dir: Path,
                 on_imported: Callable[[object], None] | None = None, language: str = "zh_CN") -> None:
        self._exports = ListExports(context)
        self._context = context
        self._runner, self._dialogs, self._on_error = runner, dialogs, on_error
        self._documents_dir = documents_dir
        self._on_imported = on_imported
        self._language = language
        self.exporter = ListExporter(self._exports, runner, dialogs, on_error, documents_dir)

    def open_import(self, parent: QWidget) -> RosterImportWizard:
        """Show the wizard (not modal: the window stays usable while a roster is read)."""
        wizard = RosterImportWizard(self._exports.service, self._runner, self._dialogs, self._on_error,
                                    self._documents_dir, parent, villages=self._context.register.villages,
                                    language=self._language)
        if self._on_imported is not None:
            wizard.imported.connect(self._on_imported)
        wizard.show()
        return wizard
