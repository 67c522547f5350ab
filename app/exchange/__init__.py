"""Excel exchange (openpyxl): the household roster template, roster import with a row-by-row error
report and nothing written until confirmed, and export of any list view with the print masking
rules. The UI calls `ExchangeService`."""
