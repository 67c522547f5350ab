"""Where the client keeps its files: the local database, logs and caches (platformdirs), overridable
with TD_DATA_DIR for tests and portable installs."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir, user_log_dir

APP_NAME = "TownshipDesk"


def data_dir() -> Path:
    root = os.environ.get("TD_DATA_DIR")
    path = Path(root) if root else Path(user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    root = os.environ.get("TD_DATA_DIR")
    path = Path(root) / "logs" if root else Path(user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    root = os.environ.get("TD_DATA_DIR")
    path = Path(root) / "cache" if root else Path(user_cache_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_db_path() -> Path:
    return data_dir() / "township.db"
