"""Excel exchange (openpyxl). The UI calls `app.exchange.service.ExchangeService(sessions, actor)`:

- `write_roster_template(output)`: the blank roster with drop-downs and a 填写说明 sheet;
- `preview_roster(path) -> ImportPreview`: (row, column, message) errors, warnings and the planned
  changes, nothing written; `confirm_roster(path, preview.digest) -> ImportResult` applies it
  (refused if the file changed since the preview or now has errors); re-importing changes nothing;
- `export_list(output, title, columns, rows, purpose, entity, record_ids, reveal=False,
  mask_names=False)`: any list view, columns as `ExportColumn(header, key, mask)`;
- `export_roster(region_code, output, purpose, reveal=False)`: the register in roster layout."""
