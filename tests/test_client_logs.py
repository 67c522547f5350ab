"""The client's rotating log masks ID-number and phone shapes, tracebacks included, and SQL
parameters never reach exception texts."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import exc, text

from app.logs import configure_client_logging, redact


def test_redact_masks_id_numbers_and_mobiles_but_not_ids_or_counts():
    line = "person 11010519491231002X phone 13812345678 device 01a21e4a-2dac-7000 count 123456"
    assert redact(line) == "person 110105********002X phone 138****5678 device 01a21e4a-2dac-7000 count 123456"


def test_log_file_is_written_redacted(tmp_path, monkeypatch):
    monkeypatch.setenv("TD_DATA_DIR", str(tmp_path))
    path = configure_client_logging()
    try:
        try:
            raise ValueError("bad row 440524188001010014 / 13900001111")
        except ValueError:
            logging.getLogger("township_desk.test").exception("import failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        written = path.read_text(encoding="utf-8")
        assert "import failed" in written and "Traceback" in written
        assert "440524188001010014" not in written and "13900001111" not in written
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "baseFilename", None) == str(path):
                root.removeHandler(handler)
                handler.close()


def test_sql_errors_do_not_carry_parameters(engine):
    with pytest.raises(exc.StatementError) as info, engine.connect() as conn:
        conn.execute(text("INSERT INTO no_such_table VALUES (:id)"), {"id": "11010519491231002X"})
    assert "11010519491231002X" not in str(info.value)
