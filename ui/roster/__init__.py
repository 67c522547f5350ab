"""Rosters in the desktop client: the 导入花名册 wizard (file → column mapping → preview → apply) and
the 导出 action every list page shares."""
