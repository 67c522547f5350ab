"""Modal questions and messages behind one small service, so page controllers ask "which reason?"
or "are you sure?" through an object a test can replace with scripted answers instead of clicking
through real message boxes."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)


class Dialogs:
    """The real dialogs: Qt message boxes and input dialogs, parented to the calling widget."""

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(parent, title, text)
        return answer == QMessageBox.StandardButton.Yes

    def ask_text(self, parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
        """A line of text, or None when the user cancels."""
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
        return value if ok else None

    def choose(self, parent: QWidget | None, title: str, label: str, options: list[str]) -> int | None:
        """The index of the option the user picked, or None when cancelled."""
        if not options:
            return None
        value, ok = QInputDialog.getItem(parent, title, label, options, 0, False)
        return options.index(value) if ok else None

    def save_path(self, parent: QWidget | None, title: str, suggested: str, file_filter: str) -> str | None:
        """Where to write a file (a PDF, a spreadsheet), or None when cancelled."""
        path, _chosen = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
        return path or None

    def open_path(self, parent: QWidget | None, title: str, file_filter: str) -> str | None:
        """A file to read (a roster to import), or None when cancelled."""
        path, _chosen = QFileDialog.getOpenFileName(parent, title, "", file_filter)
        return path or None

    def open_file(self, path: str) -> None:
        """Show a written file in the system's viewer (the user prints from there)."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def ok_cancel_buttons(dialog: QDialog) -> QDialogButtonBox:
    """The OK/Cancel row every form dialog ends with, wired to accept/reject."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
