"""Printed forms (PDF, reportlab): household card, case handling form, task sheet, inspection
summary and a village's batch of household cards, with embedded CJK fonts, masking by default, a
watermark on every page and an audit entry per print. The UI calls `ReportService`."""
