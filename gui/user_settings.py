"""The user's settings: processing settings (declared once, in ``core.settings``) plus the
app's own (backend, parallel snippets, output folder, ffmpeg), persisted with QSettings.

Window geometry and other UI state live apart, in :mod:`gui.ui_state`: resetting the
settings never moves a window, and saving the layout never touches a setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from core.errors import SettingsError
from core.runner import default_workers
from core.settings import Settings

from .appdirs import default_output_folder
from .backends import BACKENDS, DEFAULT_BACKEND

log = logging.getLogger(__name__)

_PROCESSING = "processing"
_APP = "app"


@dataclass(frozen=True)
class AppField:
    """How one app setting is presented and bounded (its type and default are those of the
    :class:`UserSettings` field of the same name)."""

    label: str
    help: str
    minimum: int | None = None
    maximum: int | None = None


APP_FIELDS: dict[str, AppField] = {
    "backend": AppField("Backend", "Where videos are processed."),
    "workers": AppField(
        "Parallel snippets", "Snippets rendered at the same time on this computer.", 1, 64
    ),
    "output_folder": AppField("Output folder", "Each video gets its own folder in here."),
    "ffmpeg": AppField("ffmpeg program", "Leave empty to use the ffmpeg that comes with FrameFan."),
}


@dataclass(frozen=True)
class UserSettings:
    processing: Settings = field(default_factory=Settings)
    backend: str = DEFAULT_BACKEND
    workers: int = field(default_factory=default_workers)
    output_folder: Path = field(default_factory=default_output_folder)
    ffmpeg: str = ""

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise SettingsError(f"unknown backend {self.backend!r}")
        spec = APP_FIELDS["workers"]
        if not spec.minimum <= self.workers <= spec.maximum:  # type: ignore[operator]
            raise SettingsError(
                f"parallel snippets must be between {spec.minimum} and {spec.maximum}"
            )

    def with_changes(self, **changes: Any) -> UserSettings:
        return replace(self, **changes)


APP_FIELD_NAMES = tuple(f.name for f in fields(UserSettings) if f.name != "processing")
assert set(APP_FIELD_NAMES) == set(APP_FIELDS), "every app setting needs its AppField"


class SettingsStore:
    """Reads and writes :class:`UserSettings` in an INI file. A value that no longer
    validates (edited by hand, or from an older version) falls back to its default."""

    def __init__(self, path: Path) -> None:
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def load(self) -> UserSettings:
        defaults = UserSettings()
        processing = self._load_processing()
        values: dict[str, Any] = {}
        for name in APP_FIELD_NAMES:
            raw = self._qs.value(f"{_APP}/{name}")
            if raw is None:
                continue
            try:
                values[name] = _coerce(name, raw)
                replace(defaults, **{name: values[name]})
            except (SettingsError, ValueError, TypeError):
                log.warning("ignoring the invalid saved setting %s=%r", name, raw)
                values.pop(name, None)
        return replace(defaults, processing=processing, **values)

    def save(self, settings: UserSettings) -> None:
        for name, value in settings.processing.to_strings().items():
            self._qs.setValue(f"{_PROCESSING}/{name}", value)
        for name in APP_FIELD_NAMES:
            self._qs.setValue(f"{_APP}/{name}", str(getattr(settings, name)))
        self._qs.sync()

    def _load_processing(self) -> Settings:
        valid: dict[str, Any] = {}
        self._qs.beginGroup(_PROCESSING)
        try:
            for key in self._qs.childKeys():
                raw = self._qs.value(key)
                try:
                    Settings.from_dict({key: raw})
                except SettingsError as exc:
                    log.warning("ignoring the saved setting %s: %s", key, exc)
                    continue
                valid[key] = raw
        finally:
            self._qs.endGroup()
        return Settings.from_dict(valid)


def _coerce(name: str, raw: object) -> Any:
    text = str(raw)
    if name == "workers":
        return int(text)
    if name == "output_folder":
        if not text.strip():
            raise ValueError("empty folder")
        return Path(text)
    return text
