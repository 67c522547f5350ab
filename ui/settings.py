"""User settings of the desktop client, declared once with their type and default and stored in
QSettings (the registry on Windows, an ini file elsewhere). Secrets such as the device token never
live here: they belong to the OS keyring, which only app/ touches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QSettings

T = TypeVar("T")

ORGANISATION = "TownshipDesk"
APPLICATION = "township-desk"


@dataclass(frozen=True)
class Setting(Generic[T]):
    """One typed setting: its QSettings key, Python type and default."""

    key: str
    type: type
    default: T


LANGUAGE: Setting[str] = Setting("ui/language", str, "zh_CN")
SERVER_URL: Setting[str] = Setting("sync/server_url", str, "")
USERNAME: Setting[str] = Setting("sync/username", str, "")
AUTO_SYNC_MINUTES: Setting[int] = Setting("sync/auto_minutes", int, 15)
SEARCH_DEBOUNCE_MS: Setting[int] = Setting("ui/search_debounce_ms", int, 200)
WINDOW_GEOMETRY: Setting[bytes] = Setting("ui/window_geometry", bytes, b"")
DATABASE_PATH: Setting[str] = Setting("data/database_path", str, "")
PERSON_LIST_COLUMNS: Setting[bytes] = Setting("ui/person_list_columns", bytes, b"")
HOUSEHOLD_LIST_COLUMNS: Setting[bytes] = Setting("ui/household_list_columns", bytes, b"")

ALL_SETTINGS = (LANGUAGE, SERVER_URL, USERNAME, AUTO_SYNC_MINUTES, SEARCH_DEBOUNCE_MS,
                WINDOW_GEOMETRY, DATABASE_PATH, PERSON_LIST_COLUMNS, HOUSEHOLD_LIST_COLUMNS)
LANGUAGES = ("zh_CN", "en")


class Settings:
    """Typed access to the declared settings on top of one QSettings store."""

    def __init__(self, store: QSettings | None = None) -> None:
        self._store = store if store is not None else QSettings(ORGANISATION, APPLICATION)

    @classmethod
    def at_path(cls, path: str) -> Settings:
        """Settings in an ini file at `path` (tests, portable installs)."""
        return cls(QSettings(str(path), QSettings.Format.IniFormat))

    def get(self, setting: Setting[T]) -> T:
        raw = self._store.value(setting.key, None)
        if raw is None:
            return setting.default
        try:
            return _convert(raw, setting.type)
        except (TypeError, ValueError):
            # A hand-edited ini file with garbage falls back to the default rather than crashing.
            return setting.default

    def set(self, setting: Setting[T], value: T) -> None:
        if not isinstance(value, setting.type):
            raise TypeError(f"{setting.key} expects {setting.type.__name__}")
        self._store.setValue(setting.key, value)

    def reset(self, setting: Setting[Any]) -> None:
        self._store.remove(setting.key)

    def sync(self) -> None:
        self._store.sync()


def _convert(raw: Any, kind: type) -> Any:
    if kind is bool:
        return raw if isinstance(raw, bool) else str(raw).lower() in ("1", "true", "yes")
    if kind is bytes:
        return bytes(raw.data()) if hasattr(raw, "data") else bytes(raw)
    return kind(raw)
