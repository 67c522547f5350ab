"""Qt's own words follow the interface language: standard buttons, message boxes, the file dialog
and the context menu of a line edit. Seen before: under the Chinese interface the save dialog read
"Look in:" and "Files of type:" (Qt 6.12 asks "&Look in:", which its shipped Chinese catalogue
lacks) and listed folders as "Folder"."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QLineEdit, QMessageBox

from ui import i18n

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def language(qapp, lang: str):
    translators = i18n.install(qapp, lang)
    try:
        yield
    finally:
        for translator in translators:
            qapp.removeTranslator(translator)


def _file_dialog_labels(qtbot) -> list[str]:
    dialog = QFileDialog(None, "导出", "", "Excel (*.xlsx)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # what Linux without a portal shows
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    return [label.text() for label in dialog.findChildren(QLabel) if label.text()]


def _ok_cancel() -> list[str]:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    return [button.text() for button in box.buttons()]


def _latin(text: str) -> bool:
    return bool(re.search("[A-Za-z]", re.sub(r"\(&[A-Z]\)", "", text)))


def test_qt_standard_buttons_and_the_file_dialog_speak_chinese(qapp, qtbot):
    with language(qapp, "zh_CN"):
        assert sorted(_ok_cancel()) == sorted(["确定", "取消"])
        box = QMessageBox()
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        assert sorted(b.text() for b in box.buttons()) == sorted(["是(&Y)", "否(&N)"])
        labels = _file_dialog_labels(qtbot)
        assert labels and not [text for text in labels if _latin(text)], labels
        edit = QLineEdit("x")
        qtbot.addWidget(edit)
        menu = edit.createStandardContextMenu()
        words = [action.text().split("\t")[0] for action in menu.actions() if action.text()]
        assert words and not [text for text in words if _latin(text)], words


def test_qt_standard_buttons_speak_english_under_english(qapp, qtbot):
    with language(qapp, "en"):
        assert sorted(_ok_cancel()) == ["Cancel", "OK"]
        assert any(text.replace("&", "") == "Look in:" for text in _file_dialog_labels(qtbot))


class Asked(QTranslator):
    """Records what Qt asks to translate, and answers nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: dict[tuple[str, str, str], int] = {}

    def translate(self, context, source, disambiguation=None, n=-1):  # noqa: D102 (Qt override)
        self.asked.setdefault((context, source, disambiguation or ""), n)
        return None

    def isEmpty(self) -> bool:  # noqa: N802 (Qt override)
        return False


def test_every_word_qt_asks_in_these_dialogs_has_a_chinese_translation(qapp, qtbot):
    """Qt's catalogue plus ours (resources/i18n/qt_extra_zh_CN.ts) answer every string the dialogs
    users meet ask for; a newer Qt asking a new string fails here rather than on screen."""
    with language(qapp, "zh_CN"):
        translators = i18n.install(qapp, "zh_CN")  # a second set to ask directly
        spy = Asked()
        qapp.installTranslator(spy)
        try:
            _file_dialog_labels(qtbot)
            box = QMessageBox()
            box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard)
            _ok_cancel()
            QLineEdit("x").createStandardContextMenu()
        finally:
            qapp.removeTranslator(spy)
        # Key names (Ctrl, Shift) stay as they are printed on the keys.
        missing = [key for key, n in spy.asked.items() if key[0] != "QShortcut" and not any(
            t.translate(key[0], key[1], key[2] or None, n) for t in translators)]
        for translator in translators:
            qapp.removeTranslator(translator)
    assert missing == [], "translate these in resources/i18n/qt_extra_zh_CN.ts"


def test_a_frozen_build_carries_qts_own_catalogues_and_compiled_ones():
    spec = (ROOT / "build.spec").read_text(encoding="utf-8")
    assert "qt_translation_files" in spec and '"resources/i18n/qt"' in spec
    assert '"ui.i18n", "compile"' in spec  # the frozen client has no pyside6-lrelease to compile at start
    for path in i18n.qt_translation_files():
        assert path.exists(), path


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_qts_catalogue_loads_from_the_bundled_folder_when_qt_has_none(qapp, monkeypatch, tmp_path, lang):
    """In a frozen build Qt's translation path may be empty; the copy build.spec ships is used."""
    bundled = tmp_path / "qt"
    bundled.mkdir()
    for path in i18n.qt_translation_files():
        (bundled / path.name).write_bytes(path.read_bytes())
    monkeypatch.setattr(i18n, "BUNDLED_QT_DIR", bundled)
    monkeypatch.setattr(i18n.QLibraryInfo, "path", lambda *_: str(tmp_path / "nothing"))
    with language(qapp, lang):
        assert sorted(_ok_cancel()) == sorted(["确定", "取消"] if lang == "zh_CN" else ["OK", "Cancel"])


def test_a_catalogue_compiled_by_another_checkout_is_never_taken_for_ours(tmp_path, monkeypatch):
    """The compile cache in the temporary directory is shared by every checkout on the machine; a
    newer .qm of another version's .ts passed for ours and English strings went missing at random."""
    ours = i18n.qm_for("en", tmp_path)
    other = tmp_path / "other" / "township_desk_en.ts"
    other.parent.mkdir()
    other.write_text(i18n.ts_path("en").read_text(encoding="utf-8").replace("Households", "Homes"), encoding="utf-8")
    monkeypatch.setattr(i18n, "I18N_DIR", other.parent)
    theirs = i18n.qm_for("en", tmp_path)
    assert theirs != ours and ours.exists() and theirs.exists()
