"""Printed forms (PDF, reportlab) with embedded CJK fonts, masking by default, a watermark on every
page and an audit entry per print. The UI calls `app.reports.service.ReportService(sessions, actor)`
from its worker and opens the returned `PrintResult.path` in the system viewer or a print dialog:

- `print_household_card(household_id, output, purpose, reveal=False)`   户情登记表
- `print_case_form(case_id, output, purpose, reveal=False)`             事件处置单
- `print_task_sheet(task_id, village_code, output, purpose, reveal=False)` 任务清单/反馈单
- `print_inspection_summary(region_code, output, purpose, period=(None, None))` 统计汇总表
- `export_village_cards(village_code, output, purpose, reveal=False, progress=None)` batch, with
  `progress(done, total)` called from the worker as layout reaches each household.

Errors are `UserFacingError`s (purpose missing, reveal not allowed for the role, out of scope)."""
