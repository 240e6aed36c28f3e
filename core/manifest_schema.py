"""What a valid manifest holds, declared once per record type.

A manifest is read from job folders that come from anywhere, so every value is checked
before anything uses it: types, finite numbers within range, known words, bounded strings,
and counts bounded by the job's own duration and settings. :data:`JOB`, :data:`SOURCE`,
:data:`SNIPPET`, :data:`FRAME` and :data:`OVERVIEW` declare the fields of each record; a
field added to the format (always optional, with a minor version bump, see
docs/manifest.md) is one more line in one of them.

Checks raise :class:`Invalid` naming the field (``source.duration``, ``snippets[3].end``);
:mod:`core.manifest` adds the file's name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Bounds of values no real job comes near; they keep a hostile manifest's numbers from
# reaching loops and paint code.
MAX_DURATION = 31 * 24 * 3600.0  # seconds
MAX_PIXELS_SIDE = 100_000
MAX_FPS = 1_000_000.0
MAX_RENDER_SECONDS = 10_000_000.0
MAX_NAME = 1024
MAX_PATH = 4096
MAX_ERROR = 4096
MAX_WORD = 256


class Invalid(ValueError):
    """A value that does not belong in a manifest; ``str()`` is ``"<field>: <problem>"``."""


@dataclass(frozen=True)
class Rule:
    """One field: its JSON type, bounds and whether it may be missing or null."""

    kind: type  # str, int or float
    required: bool = False
    nullable: bool = True
    low: float | None = None
    high: float | None = None
    max_length: int | None = None
    choices: tuple[Any, ...] | None = None
    pattern: re.Pattern[str] | None = None
    shape: str = ""  # how ``pattern`` reads in a message

    def check(self, value: Any) -> Any:
        """``value`` as this field holds it; raises :class:`ValueError` with the problem."""
        if value is None:
            if self.nullable:
                return None
            raise ValueError("must not be null")
        if self.kind is str:
            return self._text(value)
        return self._number(value)

    def _text(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be a string (got {_shown(value)})")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValueError(f"is too long ({len(value)} characters, at most {self.max_length})")
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(self.choices)} (got {_shown(value)})")
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise ValueError(f"must look like {self.shape} (got {_shown(value)})")
        return value

    def _number(self, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number (got {_shown(value)})")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number (got {value!r})")
        if self.kind is int:
            if value != int(value):
                raise ValueError(f"must be a whole number (got {value!r})")
            value = int(value)
        else:
            value = float(value)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(map(str, self.choices))} (got {value!r})")
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            low, high = f"{self.low:.12g}", f"{self.high:.12g}"
            raise ValueError(f"must be between {low} and {high} (got {value!r})")
        return value


def text(max_length: int, **options: Any) -> Rule:
    return Rule(str, max_length=max_length, **options)


def number(low: float, high: float, **options: Any) -> Rule:
    return Rule(float, low=low, high=high, **options)


def whole(low: float, high: float, **options: Any) -> Rule:
    return Rule(int, low=low, high=high, **options)


PENDING = "pending"
RUNNING = "running"
DONE = "done"
PARTIAL = "partial"
FAILED = "failed"
CANCELLED = "cancelled"
JOB_STATUSES = (PENDING, RUNNING, DONE, PARTIAL, FAILED, CANCELLED)
SNIPPET_STATUSES = (PENDING, RUNNING, DONE, FAILED)
# Source timecode of the first picture: HH:MM:SS:FF, or HH:MM:SS;FF for drop-frame.
TIMECODE = re.compile(r"\d{2}:[0-5]\d:[0-5]\d[:;]\d{2,3}")

JOB: dict[str, Rule] = {
    "minor": whole(0, 1_000_000),
    "job_id": text(MAX_NAME, required=True, nullable=False),
    "backend": text(32, nullable=False, pattern=re.compile(r"[a-z0-9_-]+"), shape="a name"),
    "status": text(16, required=True, nullable=False, choices=JOB_STATUSES),
    "error": text(MAX_ERROR),
    "created": text(64, nullable=False),
    "updated": text(64, nullable=False),
}
SOURCE: dict[str, Rule] = {
    "name": text(MAX_NAME, required=True, nullable=False),
    "duration": number(0.0, MAX_DURATION),
    "width": whole(1, MAX_PIXELS_SIDE),
    "height": whole(1, MAX_PIXELS_SIDE),
    "rotation": Rule(int, choices=(0, 90, 180, 270)),
    "codec": text(MAX_WORD),
    "format": text(MAX_WORD),
    "fps": number(0.0, MAX_FPS),
    "fingerprint": text(MAX_WORD),
    "path": text(MAX_PATH),
    "timecode": text(16, pattern=TIMECODE, shape="HH:MM:SS:FF or HH:MM:SS;FF"),
}
SNIPPET: dict[str, Rule] = {
    "index": whole(0, 10_000_000, required=True, nullable=False),
    "start": number(0.0, MAX_DURATION, required=True, nullable=False),
    "end": number(0.0, MAX_DURATION, required=True, nullable=False),
    "status": text(16, nullable=False, choices=SNIPPET_STATUSES),
    "gif": text(64, pattern=re.compile(r"gifs/\d{5,9}\.gif"), shape="gifs/00000.gif"),
    "error": text(MAX_ERROR),
    "seconds": number(0.0, MAX_RENDER_SECONDS),
    # Where it was rendered, in a hybrid job (minor 3).
    "backend": text(16, choices=("local", "lambda")),
}


def _picture(pattern: str, shape: str) -> dict[str, Rule]:
    """A picture at a time: its time and its path, of the given shape."""
    return {
        "t": number(0.0, MAX_DURATION, required=True, nullable=False),
        "path": text(64, required=True, nullable=False, pattern=re.compile(pattern), shape=shape),
    }


FRAME = _picture(r"frames/\d{6,9}\.jpg", "frames/000000.jpg")
# An overview picture (minor 2): named by its time in milliseconds.
OVERVIEW = _picture(r"overview/\d{9,10}\.jpg", "overview/000012500.jpg")
# Overview pictures a job may list: one every tenth of a second at most, and no more than
# this many (the overview pass makes about a hundred).
MAX_OVERVIEW = 100_000


def most_overview(duration: float) -> int:
    return min(MAX_OVERVIEW, int(duration * 10) + 2)


def check_record(rules: Mapping[str, Rule], data: Any, where: str) -> dict[str, Any]:
    """The fields of ``rules`` found in the JSON object ``data``, checked; fields it does
    not declare are left out (a newer writer's optional fields)."""
    if not isinstance(data, dict):
        raise Invalid(f"{where}: must be an object (got {_shown(data)})")
    checked: dict[str, Any] = {}
    for name, rule in rules.items():
        if name not in data:
            if rule.required:
                raise Invalid(f"{_join(where, name)}: is missing")
            continue
        try:
            checked[name] = rule.check(data[name])
        except ValueError as exc:
            raise Invalid(f"{_join(where, name)}: {exc}") from None
    return checked


def check_list(data: Any, where: str, most: int) -> list[Any]:
    if not isinstance(data, list):
        raise Invalid(f"{where}: must be a list (got {_shown(data)})")
    if len(data) > most:
        raise Invalid(f"{where}: has {len(data)} entries, more than the {most} its job can have")
    return data


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _shown(value: Any) -> str:
    """A hostile value, short enough for a one-line message."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
