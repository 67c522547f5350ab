"""The two tables of the roster wizard: the column mapping the clerk confirms (every column of the
file, each with a 导入为 choice, unmapped ones visible as 不导入) and the preview, one line per row of
the file with its Excel row number, what importing does (新增 / 更新 old → new / 无变化 / 错误) and
every problem of the row."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QHeaderView, QTableWidget, QTableWidgetItem

ACTION_COLORS = {"新增": "#e8f5e9", "更新": "#fff8e1", "错误": "#ffebee"}
# The roster's fields as the 导入为 choices name them (app/exchange/layout.FIELD_HEADERS, a test keeps
# them equal), listed here so lupdate extracts them and the English interface names them too.
FIELD_NAMES = {
    "household_no": QT_TRANSLATE_NOOP("RosterFields", "户编号"),
    "head_name": QT_TRANSLATE_NOOP("RosterFields", "户主姓名"),
    "name": QT_TRANSLATE_NOOP("RosterFields", "姓名"),
    "relation_to_head": QT_TRANSLATE_NOOP("RosterFields", "与户主关系"),
    "id_number": QT_TRANSLATE_NOOP("RosterFields", "公民身份号码"),
    "gender": QT_TRANSLATE_NOOP("RosterFields", "性别"),
    "birth_date": QT_TRANSLATE_NOOP("RosterFields", "出生日期"),
    "ethnicity": QT_TRANSLATE_NOOP("RosterFields", "民族"),
    "phone": QT_TRANSLATE_NOOP("RosterFields", "联系电话"),
    "current_address": QT_TRANSLATE_NOOP("RosterFields", "现住址"),
    "household_address": QT_TRANSLATE_NOOP("RosterFields", "家庭住址"),
    "residence_type": QT_TRANSLATE_NOOP("RosterFields", "人员类别"),
    "education": QT_TRANSLATE_NOOP("RosterFields", "文化程度"),
    "political_status": QT_TRANSLATE_NOOP("RosterFields", "政治面貌"),
    "marital_status": QT_TRANSLATE_NOOP("RosterFields", "婚姻状况"),
    "hukou_address": QT_TRANSLATE_NOOP("RosterFields", "户籍地"),
    "notes": QT_TRANSLATE_NOOP("RosterFields", "备注"),
    "grid_code": QT_TRANSLATE_NOOP("RosterFields", "网格"),
    "village": QT_TRANSLATE_NOOP("RosterFields", "村（社区）"),
}
MAX_WRAPPED = 500


def _item(text: str, color: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if color:
        item.setBackground(QColor(color))
    return item


class MappingTable(QTableWidget):
    """表头 | 导入为: one row per column of the file."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, 3, parent)
        self.setObjectName("mapping_table")
        self.setHorizontalHeaderLabels([self.tr("文件中的列"), self.tr("导入为"), self.tr("示例")])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self._indexes: list[int] = []

    def show_source(self, columns, fields, mapping: dict[int, str], samples: dict[int, str] | None = None) -> None:
        """`columns`: the layout's SourceColumns; `fields`: (field, header) choices; `samples`: the
        first values of each column (masked)."""
        self.setRowCount(0)
        self._indexes = []
        for column in columns:
            if not column.label:
                continue
            row = self.rowCount()
            self.insertRow(row)
            self.setItem(row, 0, _item(column.label))
            choice = QComboBox()
            choice.addItem(self.tr("（不导入）"), "")
            for name, header in fields:
                choice.addItem(QCoreApplication.translate("RosterFields", FIELD_NAMES.get(name, header)), name)
            choice.setCurrentIndex(max(0, choice.findData(mapping.get(column.index, ""))))
            self.setCellWidget(row, 1, choice)
            self.setItem(row, 2, _item((samples or {}).get(column.index, "")))
            self._indexes.append(column.index)

    def choose(self, label: str, field: str) -> None:
        """Set the column headed `label` to `field` ("" = not imported), as the clerk would."""
        for row in range(self.rowCount()):
            if self.item(row, 0).text() == label:
                box = self.cellWidget(row, 1)
                box.setCurrentIndex(box.findData(field))
                return
        raise KeyError(label)

    def mapping(self) -> dict[int, str]:
        out = {}
        for row, index in enumerate(self._indexes):
            field = self.cellWidget(row, 1).currentData()
            if field:
                out[index] = field
        return out


class PreviewTable(QTableWidget):
    """行号 | 结果 | 户编号 | 姓名 | 变化或问题."""

    def __init__(self, parent=None, language: str = "zh_CN") -> None:
        super().__init__(0, 5, parent)
        self._language = language
        self.setObjectName("preview_table")
        self.setHorizontalHeaderLabels([self.tr("行号"), self.tr("结果"), self.tr("户编号"), self.tr("姓名"),
                                        self.tr("变化或问题")])
        self.horizontalHeader().setStretchLastSection(True)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self._wrapped: list[int] = []

    def show_changes(self, changes) -> None:
        shown = sorted(changes, key=lambda c: (c.row, c.entity != "household"))
        self.setRowCount(len(shown))
        for row, change in enumerate(shown):
            what = self.tr("户") if change.entity == "household" else ""
            detail = "；".join(p.text(self._language) for p in change.problems) if change.problems else \
                "；".join(f"{f.label}：{f.old or self.tr('（空）')} → {f.new}" for f in change.fields)
            color = ACTION_COLORS.get(change.action)
            action = {"新增": self.tr("新增"), "更新": self.tr("更新"), "无变化": self.tr("无变化"),
                      "错误": self.tr("错误")}.get(change.action, change.action)
            for column, text in enumerate((str(change.row), what + action, change.household_no,
                                           change.name, detail)):
                self.setItem(row, column, _item(text, color))
            self.item(row, 4).setToolTip(detail)
        for column in range(4):  # the last column takes the rest of the width
            self.resizeColumnToContents(column)
        # A problem is read whole, wrapped over as many lines as it takes (rows with problems only:
        # measuring every row of a 5,000-row preview would hold the window), once the table is laid
        # out at its width.
        self._wrapped = [r for r, c in enumerate(shown) if c.problems][:MAX_WRAPPED]
        QTimer.singleShot(0, self._wrap_problems)

    def _wrap_problems(self) -> None:
        for row in self._wrapped:
            if row < self.rowCount():
                self.resizeRowToContents(row)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._wrap_problems()

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.item(r, c).text() for c in range(self.columnCount())) for r in range(self.rowCount())]
