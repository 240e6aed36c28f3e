"""An editor's marks on a video: points and ranges with a name and a note, per job.

Stored as ``marks.json`` beside the job's manifest (format in docs/manifest.md)::

    {"version": 1, "marks": [{"start": 5.0, "end": 12.0, "name": "Take A", "note": ""},
                             {"start": 40.0, "end": null, "name": "Flash", "note": "…"}]}

Times are seconds from the start of the video; ``end`` is null for a point. The file is
written atomically and kept sorted by start. A file that cannot be read (damaged, of a newer
version, too large) is reported through :attr:`MarkSet.problem` and never fatal; it is left
as it is until the next save, which first moves it aside to ``marks.json.bad`` (or
``marks.json.bad-2``, …), so the user's new marks are kept and the old file can be recovered.
Saving also refuses to overwrite marks another program wrote since they were loaded.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .atomic import write_atomic
from .errors import FrameFanError
from .safe_read import UnsafeFileError, read_recorded_file

MARKS_NAME = "marks.json"
MARKS_VERSION = 1
MAX_MARKS = 10_000
MAX_NAME_CHARS = 200
MAX_NOTE_CHARS = 4_000
MAX_FILE_BYTES = 8 * 1024 * 1024


class MarksError(FrameFanError, ValueError):
    """A mark is invalid, or marks cannot be saved."""


class MarksConflictError(MarksError):
    """The marks file was changed by another program since it was read: load it again."""


@dataclass(frozen=True)
class Mark:
    """A point (``end`` None) or a range ``[start, end]``, in seconds."""

    start: float
    end: float | None = None
    name: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        if isinstance(self.start, bool) or not isinstance(self.start, int | float):
            raise MarksError(f"a mark's start must be a number (got {self.start!r})")
        if not math.isfinite(self.start) or self.start < 0:
            raise MarksError(f"a mark's start must be 0 or more seconds (got {self.start!r})")
        if self.end is not None:
            if isinstance(self.end, bool) or not isinstance(self.end, int | float):
                raise MarksError(f"a mark's end must be a number or null (got {self.end!r})")
            if not math.isfinite(self.end) or self.end <= self.start:
                raise MarksError(
                    f"a mark's end must come after its start ({self.start:g} s, got {self.end!r})"
                )
        _check_text("name", self.name, MAX_NAME_CHARS, single_line=True)
        _check_text("note", self.note, MAX_NOTE_CHARS, single_line=False)
        object.__setattr__(self, "start", float(self.start))
        if self.end is not None:
            object.__setattr__(self, "end", float(self.end))

    @property
    def sort_key(self) -> tuple[float, float, str, str]:
        """Marks are listed by start; a point before a range starting with it."""
        return (self.start, -1.0 if self.end is None else self.end, self.name, self.note)

    @property
    def is_range(self) -> bool:
        return self.end is not None

    def check_within(self, duration: float) -> None:
        """Raise :class:`MarksError` unless the mark lies inside a video of ``duration``."""
        last = self.end if self.end is not None else self.start
        if last > duration + 1e-6:
            raise MarksError(
                f"mark {self.name or 'unnamed'!r} ends at {last:g} s, "
                f"after the end of the video ({duration:g} s)"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Mark:
        if not isinstance(data, dict):
            raise MarksError("a mark is not an object")
        unknown = set(data) - {"start", "end", "name", "note"}
        if "start" not in data:
            raise MarksError("a mark has no start")
        if unknown:
            raise MarksError(f"a mark has unknown fields: {', '.join(sorted(unknown))}")
        return cls(data["start"], data.get("end"), data.get("name", ""), data.get("note", ""))


def _key(mark: Mark) -> tuple[float, float, str, str]:
    return mark.sort_key


def _check_text(what: str, value: Any, limit: int, *, single_line: bool) -> None:
    if not isinstance(value, str):
        raise MarksError(f"a mark's {what} must be text (got {type(value).__name__})")
    if len(value) > limit:
        raise MarksError(f"a mark's {what} is longer than {limit} characters")
    allowed = "\t" if single_line else "\t\n"
    if any(ord(c) < 32 and c not in allowed for c in value):
        raise MarksError(f"a mark's {what} holds control characters")


def marks_path(job_dir: Path) -> Path:
    return job_dir / MARKS_NAME


def parse_marks(data: bytes, origin: str) -> list[Mark]:
    """Marks from the bytes of a marks file; raises :class:`MarksError` naming ``origin``."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MarksError(f"{origin}: damaged, not JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("marks"), list):
        raise MarksError(f"{origin}: not a FrameFan marks file")
    version = document.get("version")
    if version != MARKS_VERSION:
        raise MarksError(
            f"{origin}: marks version {version!r} is not supported "
            f"(this FrameFan reads version {MARKS_VERSION})"
        )
    if len(document["marks"]) > MAX_MARKS:
        raise MarksError(f"{origin}: more than {MAX_MARKS} marks")
    marks = []
    for number, item in enumerate(document["marks"], 1):
        try:
            marks.append(Mark.from_dict(item))
        except MarksError as exc:
            raise MarksError(f"{origin}: mark {number}: {exc}") from None
    return sorted(marks, key=_key)


def marks_json(marks: Iterable[Mark]) -> bytes:
    document = {"version": MARKS_VERSION, "marks": [m.to_dict() for m in sorted(marks, key=_key)]}
    return (json.dumps(document, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    return (info.st_mtime_ns, info.st_size)


@dataclass
class SaveResult:
    path: Path
    kept_aside: Path | None = None  # where a damaged earlier file was moved


@dataclass
class MarkSet:
    """The marks of one job, loaded from its folder, edited in memory, saved back.

    Edits keep the list sorted; the index of a mark is its position in :attr:`marks`.
    """

    job_dir: Path
    marks: list[Mark] = field(default_factory=list)
    # Why the file on disk could not be read (one line, naming it), or None.
    problem: str | None = None
    _stamp: tuple[int, int] | None = None

    @classmethod
    def load(cls, job_dir: Path) -> MarkSet:
        """The job's marks: none when it has no marks file, none and a :attr:`problem` when
        the file cannot be read. Never raises for the file's content."""
        path = marks_path(job_dir)
        stamp = _stamp(path)
        if stamp is None and not path.is_symlink():
            return cls(job_dir)
        try:
            data = read_recorded_file(job_dir, MARKS_NAME, limit=MAX_FILE_BYTES)
            marks = parse_marks(data, str(path))
        except MarksError as exc:
            return cls(job_dir, problem=str(exc), _stamp=stamp)
        except UnsafeFileError as exc:
            return cls(job_dir, problem=f"{exc}; the marks it holds are not shown", _stamp=stamp)
        return cls(job_dir, marks, _stamp=stamp)

    # -- editing ---------------------------------------------------------------------------

    def add(self, mark: Mark) -> int:
        """Add ``mark``; returns its index."""
        if len(self.marks) >= MAX_MARKS:
            raise MarksError(f"a job holds at most {MAX_MARKS} marks")
        self.marks.append(mark)
        self.marks.sort(key=_key)
        return self._index_of(mark)

    def update(self, index: int, mark: Mark) -> int:
        """Replace the mark at ``index``; returns the new mark's index."""
        self._check_index(index)
        self.marks[index] = mark
        self.marks.sort(key=_key)
        return self._index_of(mark)

    def delete(self, index: int) -> Mark:
        self._check_index(index)
        return self.marks.pop(index)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self.marks):
            raise MarksError(f"there is no mark number {index + 1}")

    def _index_of(self, mark: Mark) -> int:
        # The last equal one: the mark just placed, when two are the same.
        return max(i for i, m in enumerate(self.marks) if m is mark)

    # -- saving ----------------------------------------------------------------------------

    def save(self) -> SaveResult:
        """Write the marks atomically. A damaged file read at :meth:`load` is first moved
        aside (see :attr:`SaveResult.kept_aside`); a file changed by another program since
        then is not overwritten (:class:`MarksConflictError`: load again)."""
        path = marks_path(self.job_dir)
        if _stamp(path) != self._stamp:
            raise MarksConflictError(
                f"{path}: changed by another program since it was read; open the marks again"
            )
        kept = None
        if self.problem is not None and (path.exists() or path.is_symlink()):
            kept = _free_name(path)
            try:
                os.replace(path, kept)
            except OSError as exc:
                raise MarksError(f"{path}: cannot move the damaged file aside ({exc})") from None
        try:
            write_atomic(path, marks_json(self.marks))
        except OSError as exc:
            raise MarksError(f"{path}: cannot be written ({exc.strerror or exc})") from None
        self.problem = None
        self._stamp = _stamp(path)
        return SaveResult(path, kept)


def _free_name(path: Path) -> Path:
    candidate = path.with_name(path.name + ".bad")
    number = 2
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.name}.bad-{number}")
        number += 1
    return candidate


def load_marks(job_dir: Path) -> list[Mark]:
    """The job's marks, raising :class:`MarksError` when its marks file cannot be read (for
    exports, which must not silently leave marks out)."""
    marks = MarkSet.load(job_dir)
    if marks.problem:
        raise MarksError(marks.problem)
    return list(marks.marks)
