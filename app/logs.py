"""The client's log: a rotating file in the user log directory (`township-desk.log`, 1 MB × 5).

Personal data never belongs in a log. Code logs ids and counts, not names, ID numbers or phones,
and engines hide SQL parameters from exception texts; as a second line of defence every record
passes `RedactPersonalData`, which masks anything shaped like a resident ID number or a mobile
phone number before it is written (tracebacks included)."""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

from app import paths

LOG_NAME = "township-desk.log"
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def redact(text: str) -> str:
    text = _ID_NUMBER.sub(lambda m: m.group(0)[:6] + "********" + m.group(0)[-4:], text)
    return _MOBILE.sub(lambda m: m.group(0)[:3] + "****" + m.group(0)[-4:], text)


class RedactPersonalData(logging.Formatter):
    """A formatter that masks ID-number and mobile-phone shapes in the finished line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def log_file() -> Path:
    return paths.log_dir() / LOG_NAME


def configure_client_logging(level: int = logging.INFO) -> Path:
    """Send the client's log records to the rotating file (idempotent); returns the file's path."""
    path = log_file()
    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "baseFilename", None) == str(path):
            return path
    handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(RedactPersonalData("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(min(root.level or level, level) if root.handlers[:-1] else level)
    return path
