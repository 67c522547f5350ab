"""导入花名册: the wizard a clerk imports a village's roster with, in three steps on one dialog —
choose the file (and the sheet), confirm the column mapping (remembered for files laid out the same
way), preview every row — then apply all of it or only the households without problems, or save
the rows with problems as a workbook to fix in Excel. Every step runs on the task runner's database
worker with a progress bar; the window never blocks, and Cancel before applying writes nothing
(a result arriving after Cancel is dropped)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.roster.progress import Progress
from ui.roster.views import MappingTable, PreviewTable

FILE_FILTER = "花名册 (*.xlsx *.xlsm *.xls *.ods *.csv *.et *.ett);;所有文件 (*)"
FILE, MAPPING, PREVIEW, DONE = range(4)


class RosterImportWizard(QDialog):
    imported = Signal(object)  # the ImportResult, after a successful apply

    def __init__(self, service, runner, dialogs, on_error, documents_dir: Path, parent: QWidget | None = None,
                 villages=None, language: str = "zh_CN") -> None:
        super().__init__(parent)
        self.setObjectName("roster_wizard")
        self.setWindowTitle(self.tr("导入花名册"))
        self.resize(980, 620)
        self._service, self._runner, self._dialogs, self._on_error = service, runner, dialogs, on_error
        self._documents_dir = documents_dir
        self._language = language
        self._villages = villages  # () -> [RegionOption]: for rosters numbering households 1, 2, 3-12 …
        self._job = 0  # results of older jobs (or of a cancelled wizard) are dropped
        self.path: Path | None = None
        self.source = None
        self.preview = None
        self.progress = Progress()
        self._build()

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        self.steps = QStackedWidget()
        self.steps.addWidget(self._file_step())
        self.steps.addWidget(self._mapping_step())
        self.steps.addWidget(self._preview_step())
        self.done_label = QLabel()
        self.done_label.setWordWrap(True)
        self.steps.addWidget(self.done_label)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self._poll = QTimer(self)
        self._poll.setInterval(100)
        self._poll.timeout.connect(self._show_progress)
        self.back_button = QPushButton(self.tr("上一步"))
        self.next_button = QPushButton(self.tr("下一步"))
        self.apply_button = QPushButton(self.tr("导入"))
        self.cancel_button = QPushButton(self.tr("取消"))
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.apply_button.clicked.connect(self.apply)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.bar, 1)
        for button in (self.back_button, self.next_button, self.apply_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.steps, 1)
        layout.addLayout(buttons)
        self._show_step(FILE)

    def _file_step(self) -> QWidget:
        page = QWidget()
        self.file_label = QLabel(self.tr("请选择村（社区）的花名册：Excel（xlsx、xls）、WPS 另存的 xlsx、ods 或 CSV 文件。"
                                         "表格上方的标题行、合并的户号单元格、表尾的合计和制表人都可以保留。"))
        self.file_label.setWordWrap(True)
        self.choose_button = QPushButton(self.tr("选择文件…"))
        self.choose_button.clicked.connect(self.choose_file)
        self.template_button = QPushButton(self.tr("下载空白模板…"))
        self.template_button.clicked.connect(self.save_template)
        self.sheet_box = QComboBox()
        self.sheet_box.setVisible(False)
        self.sheet_box.activated.connect(lambda _i: self.load(self.path, self.sheet_box.currentText()))
        layout = QVBoxLayout(page)
        layout.addWidget(self.file_label)
        row = QHBoxLayout()
        row.addWidget(self.choose_button)
        row.addWidget(self.sheet_box)
        row.addWidget(self.template_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        return page

    def _mapping_step(self) -> QWidget:
        page = QWidget()
        self.mapping_note = QLabel()
        self.mapping_note.setWordWrap(True)
        self.mapping_table = MappingTable()
        self.village_box = QComboBox()
        self.village_box.addItem(self.tr("（户号已是18位户编号）"), None)
        village_row = QHBoxLayout()
        village_row.addWidget(QLabel(self.tr("户号只是村里的编号（如 12、3-12）或表中没有户号时，所属村（社区）：")))
        village_row.addWidget(self.village_box)
        village_row.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addWidget(self.mapping_note)
        layout.addWidget(self.mapping_table, 1)
        layout.addLayout(village_row)
        return page

    def _preview_step(self) -> QWidget:
        page = QWidget()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.preview_table = PreviewTable(language=self._language)
        self.all_or_nothing = QRadioButton(self.tr("全部导入（仍有问题时不导入）"))
        self.valid_only = QRadioButton(self.tr("只导入没有问题的户，其余保存为问题行工作簿"))
        self.all_or_nothing.setChecked(True)
        group = QButtonGroup(page)
        group.addButton(self.all_or_nothing)
        group.addButton(self.valid_only)
        group.buttonToggled.connect(lambda *_a: self._enable_apply())
        self.errors_button = QPushButton(self.tr("保存问题行…"))
        self.errors_button.clicked.connect(self.save_errors)
        policy = QHBoxLayout()
        policy.addWidget(self.all_or_nothing)
        policy.addWidget(self.valid_only)
        policy.addStretch(1)
        policy.addWidget(self.errors_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary)
        layout.addWidget(self.preview_table, 1)
        layout.addLayout(policy)
        return page

    def _show_step(self, step: int) -> None:
        self.steps.setCurrentIndex(step)
        self.back_button.setEnabled(step in (MAPPING, PREVIEW))
        self.next_button.setVisible(step in (FILE, MAPPING))
        self.next_button.setEnabled(step == MAPPING or self.source is not None)
        self.next_button.setText(self.tr("预览") if step == MAPPING else self.tr("下一步"))
        self.apply_button.setVisible(step == PREVIEW)
        self.cancel_button.setText(self.tr("关闭") if step == DONE else self.tr("取消"))
        self._enable_apply()

    # -- jobs ----------------------------------------------------------------------------------
    def _start(self, job, handler) -> None:
        self._job += 1
        number = self._job
        self.progress = Progress()
        progress = self.progress
        self.bar.setRange(0, 0)
        self.bar.setVisible(True)
        self._poll.start()
        for button in (self.next_button, self.apply_button, self.back_button, self.choose_button):
            button.setEnabled(False)
        self._runner.run_db(lambda: job(progress), lambda result, error: self._finished(number, handler, result, error))

    def _finished(self, number: int, handler, result, error) -> None:
        if number != self._job:
            return  # cancelled, or superseded by a newer job
        self._poll.stop()
        self.bar.setVisible(False)
        self.choose_button.setEnabled(True)
        self.cancel_button.setEnabled(True)
        self._show_step(self.steps.currentIndex())
        if error is not None:
            self._on_error(error)
            return
        handler(result)

    def _show_progress(self) -> None:
        if self.progress.total:
            self.bar.setRange(0, self.progress.total)
            self.bar.setValue(self.progress.done)

    @property
    def busy(self) -> bool:
        return self.bar.isVisible()

    # -- steps ---------------------------------------------------------------------------------
    def choose_file(self) -> None:
        path = self._dialogs.open_path(self, self.tr("选择花名册"), FILE_FILTER)
        if path:
            self.load(Path(path))

    def save_template(self) -> None:
        """The blank roster with drop-down code lists, for a village starting a new one."""
        title = self.tr("下载空白模板")
        output = self._dialogs.save_path(self, title, str(self._documents_dir / "户籍花名册模板.xlsx"), "Excel (*.xlsx)")
        if output:
            self._start(lambda _p: self._service.write_roster_template(Path(output)),
                        lambda path: self._dialogs.info(self, title, self.tr("模板已保存到 %1。").replace("%1", str(path))))

    def load(self, path: Path, sheet: str | None = None) -> None:
        self.path, self.source = Path(path), None
        self.file_label.setText(self.tr("正在读取 %1 …").replace("%1", self.path.name))
        villages = self._villages if self.village_box.count() == 1 else None
        self._start(lambda _p: (self._service.open_roster(self.path, sheet), villages() if villages else None),
                    self._opened)

    def _opened(self, result) -> None:
        source, villages = result
        for option in villages or ():
            self.village_box.addItem(f"{option.name}（{option.code}）", option.code)
        self.source = source
        layout = source.layout
        self.file_label.setText(self.tr("%1：工作表“%2”，表头在第 %3 行。").replace("%1", self.path.name)
                                .replace("%2", layout.sheet).replace("%3", "、".join(str(r + 1) for r in layout.header_rows)))
        self.sheet_box.clear()
        self.sheet_box.addItems(list(layout.sheet_names))
        self.sheet_box.setCurrentText(layout.sheet)
        self.sheet_box.setVisible(len(layout.sheet_names) > 1)
        self.mapping_table.show_source(layout.columns, source.fields, source.mapping, source.samples)
        note = self.tr("已按上次确认的对应关系填好。") if source.remembered else \
            self.tr("已按列名自动对应，请核对；不导入的列选“（不导入）”。")
        if source.check.unmapped:
            note += self.tr("未导入的列：%1。").replace("%1", "、".join(source.check.unmapped))
        self.mapping_note.setText(note)
        self._show_step(MAPPING)

    def next(self) -> None:
        if self.steps.currentIndex() == FILE:
            if self.source is None:
                self.choose_file()
            else:
                self._show_step(MAPPING)
            return
        mapping, path, sheet = self.mapping_table.mapping(), self.path, self.source.layout.sheet
        village = self.village_box.currentData()
        self._start(lambda progress: self._service.preview_roster(path, mapping, sheet, progress, village),
                    self._previewed)

    def back(self) -> None:
        self._show_step(max(FILE, self.steps.currentIndex() - 1))

    def _previewed(self, preview) -> None:
        self.preview = preview
        self.preview_table.show_changes(preview.changes)
        self.summary.setText(self._summary_text(preview))
        self.errors_button.setEnabled(bool(preview.error_rows))
        self._show_step(PREVIEW)

    def _summary_text(self, preview) -> str:
        text = self.tr("新增 %1、%2；更新 %6、%3；无变化 %4 条；问题 %5 处。") \
            .replace("%1", self._households(preview.households_new)).replace("%2", self._persons(preview.persons_new)) \
            .replace("%3", self._persons(preview.persons_updated)).replace("%4", str(preview.unchanged)) \
            .replace("%5", str(len(preview.errors))).replace("%6", self._households(preview.households_updated))
        for column, value, rows in preview.unknown_values:
            text += "\n" + self.tr("无法对应的%1“%2”：第 %3 行").replace("%1", column).replace("%2", value) \
                .replace("%3", "、".join(str(r) for r in rows[:12]) + ("…" if len(rows) > 12 else ""))
        for warning in preview.warnings:
            text += "\n" + warning.text(self._language)
        return text

    def _households(self, n: int) -> str:
        return self.tr("%n 户", "", n)

    def _persons(self, n: int) -> str:
        return self.tr("%n 人", "", n)

    def _enable_apply(self) -> None:
        preview = self.preview
        ready = preview is not None and not self.busy and (preview.ok or self.valid_only.isChecked())
        self.apply_button.setEnabled(bool(ready and preview.applicable))

    def save_errors(self) -> None:
        if self.preview is None or not self.preview.error_rows:
            return
        suggested = str(self._documents_dir / f"{self.path.stem}-问题行.xlsx")
        output = self._dialogs.save_path(self, self.tr("保存问题行"), suggested, "Excel (*.xlsx)")
        if not output:
            return
        path, preview, sheet = self.path, self.preview, self.source.layout.sheet
        self._start(lambda _p: self._service.write_error_workbook(path, preview, Path(output), sheet),
                    lambda rows: self._dialogs.info(self, self.tr("保存问题行"),
                                                    self.tr("已保存 %n 行到 %1。在 Excel 中改正后，可再次导入这个文件。"
                                                            "文件含完整证件号码和电话，保存已记入审计日志，请妥善保管。",
                                                            "", rows).replace("%1", output)))

    def apply(self) -> None:
        preview, path, sheet = self.preview, self.path, self.source.layout.sheet
        valid_only, village = self.valid_only.isChecked(), self.village_box.currentData()
        self.cancel_button.setEnabled(False)  # an apply in progress is one transaction: it finishes or not at all
        self._start(lambda _p: self._service.confirm_roster(path, preview.digest, preview.mapping, sheet,
                                                            valid_only=valid_only, village=village),
                    self._applied)

    def _applied(self, result) -> None:
        text = self.tr("导入完成：新增 %1、%2，更新 %5、%3，写入 %4。") \
            .replace("%5", self._households(result.households_updated)) \
            .replace("%1", self._households(result.households_new)) \
            .replace("%2", self._persons(result.persons_new)).replace("%3", self._persons(result.persons_updated)) \
            .replace("%4", self.tr("%n 条记录", "", result.records_written))
        if result.skipped_households:
            text += self.tr("有问题的 %n 户未导入，请保存问题行改正后再导入。", "", result.skipped_households)
        self.done_label.setText(text)
        self.preview = None
        self._show_step(DONE)
        self.imported.emit(result)

    def reject(self) -> None:
        """Cancel: nothing has been written; a job still running is left to finish and ignored."""
        if not self.cancel_button.isEnabled():
            return
        self._job += 1
        self._poll.stop()
        super().reject()
