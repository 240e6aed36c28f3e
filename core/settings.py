"""Processing settings: each declared once, with its type, default, bounds and help.

The CLI options, the GUI's settings dialog, the S3 object metadata of the cloud path and the
job manifest all derive from :data:`FIELDS`, so a setting is added or changed in one place.
The defaults reproduce the reference output: 30 s snippets, 10 fps GIFs 240 px wide, one
frame per second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from fractions import Fraction
from typing import Any

from .errors import SettingsError


@dataclass(frozen=True)
class FieldSpec:
    """How one setting is presented and bounded."""

    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    zero_means: str | None = None  # a label for the special value 0 (e.g. "source size")
    unit: str = ""
    off_help: str = ""  # for a switch: what turning it off means
    presets: tuple[float, ...] = ()  # the values offered first (the dialog's choices)


FIELDS: dict[str, FieldSpec] = {
    "snippet_seconds": FieldSpec(
        "Snippet length", "Length of each snippet; one GIF is made per snippet.", 1, 3600, unit="s"
    ),
    "gif_fps": FieldSpec("GIF frame rate", "Frames per second in each GIF.", 1, 50, unit="fps"),
    "gif_width": FieldSpec(
        "GIF width", "Width of the GIFs; never larger than the video.", 16, 1920, unit="px"
    ),
    "frame_interval": FieldSpec(
        "Frame interval", "One still frame every this many seconds.", 0.1, 3600, unit="s"
    ),
    "frame_width": FieldSpec(
        "Frame width",
        "Width of the still frames; 0 keeps the video's size. Never larger than the video.",
        0,
        7680,
        zero_means="video size",
        unit="px",
        presets=(640, 960, 1280, 0),
    ),
    "frames": FieldSpec(
        "Still frames",
        "Write still frames (JPEG) as well as GIFs.",
        off_help="GIFs only: write no still frames.",
    ),
    "jpeg_quality": FieldSpec("JPEG quality", "Quality of the still frames (1–100).", 1, 100),
}


@dataclass(frozen=True)
class Settings:
    snippet_seconds: float = 30.0
    gif_fps: int = 10
    gif_width: int = 240
    frame_interval: float = 1.0
    frame_width: int = 640
    frames: bool = True
    jpeg_quality: int = 85

    def __post_init__(self) -> None:
        check_fields(self, FIELDS)
        if 0 < self.frame_width < 16:
            raise SettingsError("frame_width must be 0 (video size) or at least 16 px")

    # -- conversions ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Settings:
        """Build settings from a mapping of (possibly string) values; missing keys keep
        their default, unknown keys are an error."""
        return from_mapping(cls, FIELDS, data)

    def to_strings(self) -> dict[str, str]:
        """Settings as strings, e.g. for S3 object metadata."""
        return {key: _to_string(value) for key, value in self.to_dict().items()}

    def with_changes(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    # -- derived values -------------------------------------------------------------------

    @property
    def frame_rate(self) -> Fraction:
        """Still frames per second, as an exact fraction (for ffmpeg's fps filter)."""
        return 1 / Fraction(self.frame_interval).limit_denominator(1000)

    @property
    def jpeg_qscale(self) -> int:
        """ffmpeg's MJPEG quantiser (2 best … 31 worst) for :attr:`jpeg_quality`."""
        return round(31 - (self.jpeg_quality - 1) * 29 / 99)


def check_fields(instance: Any, specs: Mapping[str, FieldSpec]) -> None:
    """Validate every field of the frozen dataclass ``instance`` against its spec (and
    store numbers as their declared type: 10.0 for an int field becomes 10)."""
    for field in fields(instance):
        value = getattr(instance, field.name)
        _check(field.name, specs[field.name], value, field.type)
        if field.type in ("int", "float"):
            object.__setattr__(
                instance, field.name, int(value) if field.type == "int" else float(value)
            )


def from_mapping(cls: Any, specs: Mapping[str, FieldSpec], data: Mapping[str, Any]) -> Any:
    """``cls`` from a mapping of (possibly string) values, checked against ``specs``."""
    known = {f.name: f.type for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(map(str, unknown))}")
    return cls(**{key: _coerce(specs[key], key, value, known[key]) for key, value in data.items()})


def _check(name: str, spec: FieldSpec, value: object, type_name: object) -> None:
    if type_name in ("bool", bool):
        if not isinstance(value, bool):
            raise SettingsError(f"{name} must be true or false (got {value!r})")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{name} must be a number (got {value!r})")
    if value != value or value in (float("inf"), float("-inf")):
        raise SettingsError(f"{name} must be a finite number (got {value!r})")
    if type_name in ("int", int) and value != int(value):
        raise SettingsError(f"{name} must be a whole number (got {value!r})")
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        unit = f" {spec.unit}" if spec.unit else ""
        raise SettingsError(f"{name} must be between {low:g} and {high:g}{unit} (got {value!r})")


def _coerce(spec: FieldSpec, name: str, value: Any, type_name: object) -> Any:
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if spec.zero_means and text in ("source", "video", "full"):
        return 0
    try:
        if type_name in ("bool", bool):
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        number = float(text)
        if type_name in ("int", int) and number == int(number):
            return int(number)
        return number
    except ValueError:
        raise SettingsError(f"{name} has an invalid value {value!r}") from None


def _to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)
