"""The user's settings: processing settings (declared once, in ``core.settings``), limits
(``core.limits``), the app's own (backend, output folder, ffmpeg) and each backend's own
(declared with the backend, in ``gui.backends``), persisted with QSettings.

Window geometry and other UI state live apart, in :mod:`gui.ui_state`: resetting the
settings never moves a window, and saving the layout never touches a setting.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication

from core.errors import SettingsError
from core.limits import Limits
from core.settings import FIELDS, Settings

from .appdirs import default_output_folder
from .backends import BACKENDS, DEFAULT_BACKEND, FieldValue
from .preview.time_labels import TIME_DISPLAYS, TIMECODE

log = logging.getLogger(__name__)

_PROCESSING = "processing"
_LIMITS = "limits"
_APP = "app"
_BACKEND_GROUP = "backend-{}"  # one group per backend, e.g. [backend-lambda]


@dataclass(frozen=True)
class AppField:
    """How one app setting is presented (its type and default are those of the
    :class:`UserSettings` field of the same name)."""

    label: str
    help: str


APP_FIELDS: dict[str, AppField] = {
    "backend": AppField("Backend", "Where videos are processed."),
    "output_folder": AppField("Output folder", "Each video gets its own folder in here."),
    "ffmpeg": AppField("ffmpeg program", "Leave empty to use the ffmpeg that comes with FrameFan."),
    "time_display": AppField(
        "Show times as",
        "Source timecode (HH:MM:SS:FF) when the video has one, or the time elapsed since "
        "its start: on the timeline, in the marks and in copied times.",
    ),
    "overview": AppField(
        "Overview first",
        "Start each job with coarse pictures of the whole video, seconds after it starts; "
        "the timeline shows them, marked approximate, until the stills replace them.",
    ),
}


def default_backend_values() -> dict[str, dict[str, FieldValue]]:
    return {key: item.defaults() for key, item in BACKENDS.items()}


# Of a screen's width, what a maximized window leaves for the still (the queue, the GIF
# column and the margins take the rest).
_BESIDE_THE_STILL = 740


def still_width_for_screen(width: float, pixel_ratio: float) -> int:
    """The still size preset for a screen ``width`` pixels wide (logical) at
    ``pixel_ratio`` device pixels each: the smallest that fills (nearly) the room a
    maximized window gives the still, the largest preset on large or HiDPI screens. Never
    the video's own size: a 4K source would make every still several megabytes."""
    room = max(0.0, width - _BESIDE_THE_STILL) * pixel_ratio
    sizes = sorted(int(v) for v in FIELDS["frame_width"].presets if v)
    return next((size for size in sizes if size >= 0.9 * room), sizes[-1])


def default_processing() -> Settings:
    """The processing defaults, with the still size picked for this screen."""
    screen = QGuiApplication.primaryScreen() if QGuiApplication.instance() else None
    if screen is None:
        return Settings()
    width = still_width_for_screen(screen.availableGeometry().width(), screen.devicePixelRatio())
    return Settings(frame_width=width)


@dataclass(frozen=True)
class UserSettings:
    processing: Settings = field(default_factory=default_processing)
    limits: Limits = field(default_factory=Limits)
    backend: str = DEFAULT_BACKEND
    output_folder: Path = field(default_factory=default_output_folder)
    ffmpeg: str = ""
    time_display: str = TIMECODE
    overview: bool = True  # each job starts with its overview pass (core.overview)
    # Each backend's own settings, by backend key and field name; missing ones take their
    # defaults, so this always holds every field of every backend.
    backend_values: Mapping[str, Mapping[str, FieldValue]] = field(
        default_factory=default_backend_values
    )

    def __post_init__(self) -> None:
        if self.backend not in BACKENDS:
            raise SettingsError(f"unknown backend {self.backend!r}")
        if self.time_display not in TIME_DISPLAYS:
            raise SettingsError(f"unknown way to show times {self.time_display!r}")
        complete: dict[str, dict[str, FieldValue]] = {}
        for key, item in BACKENDS.items():
            given = self.backend_values.get(key, {})
            unknown = set(given) - {f.name for f in item.fields}
            if unknown:
                raise SettingsError(f"{item.label} has no setting {sorted(unknown)[0]!r}")
            values = {}
            for spec in item.fields:
                try:
                    values[spec.name] = spec.coerce(given.get(spec.name, spec.default))
                except ValueError as exc:
                    raise SettingsError(str(exc)) from None
            complete[key] = values
        object.__setattr__(self, "backend_values", complete)

    def values_of(self, backend_key: str | None = None) -> dict[str, FieldValue]:
        """The settings of a backend (of the chosen one by default)."""
        return dict(self.backend_values[backend_key or self.backend])

    def with_changes(self, **changes: Any) -> UserSettings:
        return replace(self, **changes)

    def with_backend_values(self, backend_key: str, **values: FieldValue) -> UserSettings:
        merged = {key: dict(current) for key, current in self.backend_values.items()}
        merged[backend_key].update(values)
        return replace(self, backend_values=merged)


APP_FIELD_NAMES = tuple(
    f.name for f in fields(UserSettings) if f.name not in ("processing", "limits", "backend_values")
)
assert set(APP_FIELD_NAMES) == set(APP_FIELDS), "every app setting needs its AppField"


class SettingsStore:
    """Reads and writes :class:`UserSettings` in an INI file. A value that no longer
    validates (edited by hand, or from an older version) falls back to its default."""

    def __init__(self, path: Path) -> None:
        self._qs = QSettings(str(path), QSettings.Format.IniFormat)

    def load(self) -> UserSettings:
        defaults = UserSettings()  # the still size from this screen, when none is saved
        processing = self._load_group(_PROCESSING, Settings, default_processing())
        limits = self._load_group(_LIMITS, Limits, Limits())
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
        return replace(
            defaults,
            processing=processing,
            limits=limits,
            backend_values=self._load_backends(),
            **values,
        )

    def save(self, settings: UserSettings) -> None:
        for name, value in settings.processing.to_strings().items():
            self._qs.setValue(f"{_PROCESSING}/{name}", value)
        for name, value in settings.limits.to_dict().items():
            self._qs.setValue(f"{_LIMITS}/{name}", f"{value:g}")
        for name in APP_FIELD_NAMES:
            self._qs.setValue(f"{_APP}/{name}", str(getattr(settings, name)))
        for key, values in settings.backend_values.items():
            for name, value in values.items():
                text = str(value).lower() if isinstance(value, bool) else str(value)
                self._qs.setValue(f"{_BACKEND_GROUP.format(key)}/{name}", text)
        self._qs.sync()

    def _load_group(self, group: str, kind: Any, defaults: Any) -> Any:
        """``kind`` (Settings, Limits) from a group; a value that is missing or does not
        validate keeps its value in ``defaults``."""
        valid: dict[str, Any] = dict(defaults.to_dict())
        self._qs.beginGroup(group)
        try:
            for key in self._qs.childKeys():
                raw = self._qs.value(key)
                try:
                    kind.from_dict({key: raw})
                except SettingsError as exc:
                    log.warning("ignoring the saved setting %s/%s: %s", group, key, exc)
                    continue
                valid[key] = raw
        finally:
            self._qs.endGroup()
        return kind.from_dict(valid)

    def _load_backends(self) -> dict[str, dict[str, FieldValue]]:
        loaded: dict[str, dict[str, FieldValue]] = {}
        for key, item in BACKENDS.items():
            loaded[key] = {}
            for spec in item.fields:
                raw = self._qs.value(f"{_BACKEND_GROUP.format(key)}/{spec.name}")
                if raw is None:
                    continue
                try:
                    loaded[key][spec.name] = spec.coerce(raw)
                except ValueError as exc:
                    log.warning("ignoring the saved %s setting %s: %s", key, spec.name, exc)
        return loaded


def _coerce(name: str, raw: object) -> Any:
    text = str(raw)
    if name == "overview":
        if text.strip().lower() not in ("true", "false"):
            raise ValueError("not true or false")
        return text.strip().lower() == "true"
    if name == "output_folder":
        if not text.strip():
            raise ValueError("empty folder")
        return Path(text)
    return text
