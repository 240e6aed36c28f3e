"""UI state that is not a setting: window geometry, splitter positions, recent jobs, the
job selected last."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10


class UiState:
    def __init__(self, path: Path) -> None:
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def bytes_value(self, key: str) -> QByteArray | None:
        value = self._qs.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_bytes_value(self, key: str, value: QByteArray) -> None:
        self._qs.setValue(key, value)

    def text_value(self, key: str) -> str | None:
        value = self._qs.value(key)
        return value if isinstance(value, str) and value else None

    def set_text_value(self, key: str, value: str | None) -> None:
        if value:
            self._qs.setValue(key, value)
        else:
            self._qs.remove(key)

    def recent_jobs(self) -> list[Path]:
        value = self._qs.value("recent_jobs") or []
        items = [value] if isinstance(value, str) else list(value)
        return [Path(item) for item in items if item]

    def add_recent_job(self, manifest: Path) -> None:
        items = [p for p in self.recent_jobs() if p != manifest]
        self._qs.setValue("recent_jobs", [str(p) for p in [manifest, *items][:MAX_RECENT]])

    def sync(self) -> None:
        self._qs.sync()
