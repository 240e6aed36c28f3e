"""The job manifest: one versioned JSON document per job, the contract between the local
runner, the cloud path, the CLI and the GUI. The format is documented in docs/manifest.md.

A manifest is untrusted input (job folders come from other machines, zips, older
versions): :meth:`Manifest.load` reads it through :mod:`core.safe_read` and checks every
value against :mod:`core.manifest_schema` before anything uses it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import manifest_schema as schema
from .atomic import write_atomic
from .errors import ManifestError, SettingsError
from .layout import MANIFEST_NAME, frame_relpath
from .manifest_schema import (
    CANCELLED,
    DONE,
    FAILED,
    JOB_STATUSES,
    PARTIAL,
    PENDING,
    RUNNING,
    SNIPPET_STATUSES,
)
from .plan import EPSILON, Snippet, frame_indices, frame_time, plan, snippet_count
from .probe import MediaInfo
from .safe_read import UnsafeFileError, read_job_file
from .settings import Settings

MANIFEST_VERSION = 1
# Raised when optional fields are added within version 1; readers accept any minor.
# 1: source.timecode. 2: overview.
MANIFEST_MINOR = 3
# The largest manifest read: a job at the plan limits' maxima (a million stills) is about
# 60 MB; anything larger is not a manifest FrameFan wrote.
MAX_MANIFEST_BYTES = 128 * 1024 * 1024

__all__ = [
    "CANCELLED",
    "DONE",
    "FAILED",
    "JOB_STATUSES",
    "MANIFEST_MINOR",
    "MANIFEST_VERSION",
    "PARTIAL",
    "PENDING",
    "RUNNING",
    "SNIPPET_STATUSES",
    "FrameRecord",
    "Manifest",
    "SnippetRecord",
    "SourceInfo",
]


@dataclass
class SourceInfo:
    """The input as the manifest records it. Only ``name`` is known for a rejected input."""

    name: str
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    rotation: int | None = None
    codec: str | None = None
    format: str | None = None
    fps: float | None = None
    # Identifies the input's content version (local: size and mtime; cloud: the object's
    # ETag), so that a job only resumes over the very same input.
    fingerprint: str | None = None
    # The local file's absolute path when the job ran, so that a job opened from its
    # manifest alone can be run again; None for a URL (and in older manifests).
    path: str | None = None
    # The start timecode, "HH:MM:SS:FF" (";" before the frames for drop-frame), or None.
    timecode: str | None = None

    @classmethod
    def from_media(
        cls, name: str, info: MediaInfo, fingerprint: str | None, path: str | None = None
    ) -> SourceInfo:
        return cls(
            name=name,
            duration=info.duration,
            width=info.width,
            height=info.height,
            rotation=info.rotation,
            codec=info.codec,
            format=info.format,
            fps=info.fps,
            fingerprint=fingerprint,
            path=path,
            timecode=info.timecode,
        )


@dataclass
class SnippetRecord:
    index: int
    start: float
    end: float
    status: str = PENDING
    gif: str | None = None
    error: str | None = None
    seconds: float | None = None  # render time of the last successful render
    # Where it was rendered (``local`` or ``lambda``), in a job that uses both; else None,
    # and left out of the file.
    backend: str | None = None

    @property
    def snippet(self) -> Snippet:
        return Snippet(self.index, self.start, self.end)


@dataclass
class FrameRecord:
    t: float
    path: str


def _build(cls: type[Any], checked: dict[str, Any]) -> Any:
    """``cls`` from checked fields; fields the schema knows but ``cls`` does not yet carry
    are dropped, as are fields neither knows (a newer writer's optional fields)."""
    known = _FIELD_NAMES.setdefault(cls, tuple(f.name for f in fields(cls)))
    return cls(**{key: value for key, value in checked.items() if key in known})


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _without_none_backend(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("backend") is None:
        data.pop("backend", None)
    return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    job_id: str
    source: SourceInfo
    settings: Settings
    backend: str = "local"
    status: str = PENDING
    snippets: list[SnippetRecord] = field(default_factory=list)
    frames: list[FrameRecord] = field(default_factory=list)
    # Approximate pictures of the whole video (core.overview), sorted by time.
    overview: list[FrameRecord] = field(default_factory=list)
    error: str | None = None
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    version: int = MANIFEST_VERSION
    # The stills of each done snippet, by (index, start, end): a long job's manifest is
    # saved many times, and its still list is rebuilt for each save.
    _stills: dict[tuple[int, float, float], list[FrameRecord]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    # -- building -------------------------------------------------------------------------

    @classmethod
    def planned(
        cls,
        job_id: str,
        source: SourceInfo,
        settings: Settings,
        backend: str = "local",
    ) -> Manifest:
        """A manifest with every snippet of ``source`` pending."""
        if source.duration is None:
            raise ValueError("a planned manifest needs the source's duration")
        snippets = [SnippetRecord(s.index, s.start, s.end) for s in plan(source.duration, settings)]
        return cls(job_id, source, settings, backend=backend, snippets=snippets)

    @classmethod
    def rejected(cls, job_id: str, name: str, settings: Settings, error: str) -> Manifest:
        return cls(job_id, SourceInfo(name=name), settings, status=FAILED, error=error)

    # -- state ----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        result = dict.fromkeys(SNIPPET_STATUSES, 0)
        for snippet in self.snippets:
            result[snippet.status] = result.get(snippet.status, 0) + 1
        return result

    def settled_status(self) -> str:
        """The job status implied by its snippets once no more work is under way."""
        if self.error or not self.snippets:
            return FAILED
        counts = self.counts()
        if counts[DONE] == len(self.snippets):
            return DONE
        if counts[PENDING] or counts[RUNNING]:
            return RUNNING
        return PARTIAL if counts[DONE] else FAILED

    def refresh_frames(self) -> None:
        """Rebuild :attr:`frames` from the snippets that are done."""
        frames: list[FrameRecord] = []
        for snippet in self.snippets:
            if snippet.status == DONE:
                key = (snippet.index, snippet.start, snippet.end)
                stills = self._stills.get(key)
                if stills is None:
                    indices = frame_indices(snippet.start, snippet.end, self.settings)
                    stills = [
                        FrameRecord(frame_time(n, self.settings), frame_relpath(n)) for n in indices
                    ]
                    self._stills[key] = stills
                frames.extend(stills)
        self.frames = frames

    def add_overview(self, pictures: list[FrameRecord]) -> None:
        """List new overview pictures (one at a time replaces the one listed there)."""
        by_time = {p.t: p for p in self.overview}
        by_time.update((p.t, p) for p in pictures)
        self.overview = sorted(by_time.values(), key=lambda p: p.t)

    def problem(self) -> str | None:
        """One line saying what went wrong: the job's error, else the first failed
        snippet's (with how many more failed); None when nothing failed."""
        if self.error:
            return _one_line(self.error)
        failed = [s for s in self.snippets if s.status == FAILED]
        if not failed:
            return None
        first = next((s.error for s in failed if s.error), None)
        text = first or f"snippet {failed[0].index + 1} failed"
        more = f" (and {len(failed) - 1} more failed snippets)" if len(failed) > 1 else ""
        return _one_line(text + more)

    # -- persistence ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._head(),
            "snippets": [_without_none_backend(_fields_of(s)) for s in self.snippets],
            "frames": [{"t": f.t, "path": f.path} for f in self.frames],
            "overview": [{"t": f.t, "path": f.path} for f in self.overview],
        }

    def _head(self) -> dict[str, Any]:
        """Every field but the lists."""
        return {
            "version": self.version,
            "minor": MANIFEST_MINOR,
            "job_id": self.job_id,
            "backend": self.backend,
            "status": self.status,
            "error": self.error,
            "created": self.created,
            "updated": self.updated,
            "source": asdict(self.source),
            "settings": self.settings.to_dict(),
        }

    def to_json(self) -> str:
        """The document as written: indented, with one line per snippet and per still, so
        that it stays readable and small for long jobs."""
        parts = []
        for key, value in self._head().items():
            body = json.dumps(value, indent=1, ensure_ascii=False).replace("\n", "\n ")
            parts.append(f' "{key}": {body}')
        lists = {
            "snippets": [
                f"  {_ENCODER.encode(_without_none_backend(_fields_of(s)))}" for s in self.snippets
            ],
            "frames": [_frame_line(frame) for frame in self.frames],
            "overview": [_frame_line(picture) for picture in self.overview],
        }
        for key, rows in lists.items():
            parts.append(f' "{key}": [\n' + ",\n".join(rows) + "\n ]" if rows else f' "{key}": []')
        return "{\n" + ",\n".join(parts) + "\n}\n"

    def save(self, job_dir: Path) -> Path:
        """Write ``manifest.json`` in ``job_dir`` atomically; returns its path."""
        self.updated = _now()
        path = job_dir / MANIFEST_NAME
        write_atomic(path, self.to_json().encode("utf-8"))
        return path

    @classmethod
    def from_dict(cls, data: Any, origin: str = "manifest") -> Manifest:
        """Check ``data`` (parsed JSON) and build the manifest; raises :class:`ManifestError`
        naming ``origin`` and the first field found wrong."""
        if not isinstance(data, dict):
            raise ManifestError(f"{origin}: not a FrameFan manifest (not a JSON object)")
        version = data.get("version")
        if type(version) is not int or version != MANIFEST_VERSION:
            raise ManifestError(
                f"{origin}: manifest version {schema._shown(version)} is not supported "
                f"(this FrameFan reads version {MANIFEST_VERSION})"
            )
        try:
            return _checked_manifest(cls, data)
        except schema.Invalid as exc:
            raise ManifestError(f"{origin}: {exc}") from None
        except SettingsError as exc:
            raise ManifestError(f"{origin}: invalid settings: {exc}") from None

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest file (``path`` may be the file or its job folder)."""
        if path.is_dir():
            path = path / MANIFEST_NAME
        try:
            raw = read_job_file(path, within=path.parent, limit=MAX_MANIFEST_BYTES)
        except FileNotFoundError:
            raise ManifestError(f"{path}: no manifest found") from None
        except UnsafeFileError as exc:  # "<path>: a named pipe (FIFO), not a regular file"
            raise ManifestError(str(exc)) from None
        try:
            data = json.loads(raw.decode("utf-8"))
        except RecursionError:
            raise ManifestError(f"{path}: cannot read the manifest (nested too deeply)") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise ManifestError(f"{path}: cannot read the manifest ({exc})") from None
        return cls.from_dict(data, str(path))


_ENCODER = json.JSONEncoder(ensure_ascii=False)


_PLAIN_PATH = re.compile(r"[\w./-]*", re.ASCII)


def _frame_line(frame: FrameRecord) -> str:
    """One still's line, as the JSON encoder would write it, without its cost per call (a
    long job lists tens of thousands)."""
    t, path = frame.t, frame.path
    if type(t) is not float or not math.isfinite(t) or not _PLAIN_PATH.fullmatch(path):
        return f"  {_ENCODER.encode({'t': t, 'path': path})}"
    return f'  {{"t": {t!r}, "path": "{path}"}}'


def _fields_of(record: Any) -> dict[str, Any]:
    names = _FIELD_NAMES.setdefault(type(record), tuple(f.name for f in fields(record)))
    return {name: getattr(record, name) for name in names}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _checked_manifest(cls: type[Manifest], data: dict[str, Any]) -> Manifest:
    """The manifest ``data`` describes, every value checked (see :mod:`core.manifest_schema`)."""
    top = schema.check_record(schema.JOB, data, "")
    for name in ("source", "settings", "snippets", "frames"):
        if name not in data:
            raise schema.Invalid(f"{name}: is missing")
    source = _build(SourceInfo, schema.check_record(schema.SOURCE, data["source"], "source"))
    if not isinstance(data["settings"], dict):
        raise schema.Invalid("settings: must be an object")
    settings = Settings.from_dict(data["settings"])
    duration = source.duration
    if duration is not None and duration <= 0:
        raise schema.Invalid(f"source.duration: must be more than 0 (got {duration!r})")
    most_snippets = 0 if duration is None else snippet_count(duration, settings) + 1
    most_frames = 0 if duration is None else len(frame_indices(0.0, duration, settings)) + 1
    raw_snippets = schema.check_list(data["snippets"], "snippets", most_snippets)
    raw_frames = schema.check_list(data["frames"], "frames", most_frames)
    snippets = []
    for n, item in enumerate(raw_snippets):
        where = f"snippets[{n}]"
        record = _build(SnippetRecord, schema.check_record(schema.SNIPPET, item, where))
        _check_snippet(record, n, where, duration or 0.0, snippets[-1] if snippets else None)
        snippets.append(record)
    frames = []
    for n, item in enumerate(raw_frames):
        record = _build(FrameRecord, schema.check_record(schema.FRAME, item, f"frames[{n}]"))
        if duration is not None and record.t > duration:
            raise schema.Invalid(
                f"frames[{n}].t: {record.t!r} is after the end of the video ({duration!r})"
            )
        frames.append(record)
    overview = _checked_overview(data.get("overview", []), duration)
    return cls(
        job_id=top["job_id"],
        source=source,
        settings=settings,
        backend=top.get("backend", "local"),
        status=top["status"],
        snippets=snippets,
        frames=frames,
        overview=overview,
        error=top.get("error"),
        created=top.get("created", ""),
        updated=top.get("updated", ""),
    )


def _checked_overview(data: Any, duration: float | None) -> list[FrameRecord]:
    """The optional ``overview`` list (minor 2), sorted by time."""
    most = 0 if duration is None else schema.most_overview(duration)
    pictures = []
    for n, item in enumerate(schema.check_list(data, "overview", most)):
        where = f"overview[{n}]"
        record = _build(FrameRecord, schema.check_record(schema.OVERVIEW, item, where))
        if duration is not None and record.t > duration:
            raise schema.Invalid(
                f"{where}.t: {record.t!r} is after the end of the video ({duration!r})"
            )
        pictures.append(record)
    return sorted(pictures, key=lambda p: p.t)


def _check_snippet(
    record: SnippetRecord, n: int, where: str, duration: float, previous: SnippetRecord | None
) -> None:
    if record.index != n:
        raise schema.Invalid(
            f"{where}.index: must be {n}, its place in the list (got {record.index})"
        )
    if not record.start < record.end <= duration + EPSILON:
        raise schema.Invalid(
            f"{where}: must span a part of the video ({record.start!r} to {record.end!r} "
            f"of {duration!r} s)"
        )
    if previous is not None and record.start < previous.end - EPSILON:
        raise schema.Invalid(f"{where}.start: overlaps the snippet before it")
    if not math.isfinite(record.end - record.start):  # pragma: no cover - bounded above
        raise schema.Invalid(f"{where}: has no length")
