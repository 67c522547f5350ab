"""记录历史 on paper: one table of a record's changes (time, whose record, field, old → new, who,
device, origin), masked as on screen, with the usual header, watermark and footer of a printout."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm

from app.reports.layout import CONTENT_WIDTH, grid_table, title_block

ORIGINS = {"edit": "修改", "merge": "合并重复", "conflict": "冲突待审"}
HEADER = ("时间", "对象", "字段", "原值", "新值", "修改人", "设备", "来源")
_WIDTHS = (26 * mm, 22 * mm, 20 * mm, 0.0, 0.0, 18 * mm, 16 * mm, 16 * mm)


def history_story(title: str, rows: Sequence, field_label) -> list:
    """`rows`: app.client.history.HistoryRow, newest first; `field_label(field)` names a field."""
    free = (CONTENT_WIDTH - sum(_WIDTHS)) / 2
    widths = [w or free for w in _WIDTHS]
    table = [HEADER] + [
        (row.at.strftime("%Y-%m-%d %H:%M"), row.subject or "户", field_label(row.field) if row.field else "新建",
         row.old, row.new, row.username, row.device_id[:8], ORIGINS.get(row.origin, row.origin))
        for row in rows]
    return [*title_block(title, f"共 {len(rows)} 项变更"), grid_table(table, widths, font_size=8)]
