"""The job manifest: one versioned JSON document per job, the contract between the local
runner, the cloud path, the CLI and the GUI. The format is documented in docs/manifest.md.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .atomic import write_atomic
from .errors import ManifestError, SettingsError
from .layout import MANIFEST_NAME, frame_relpath
from .plan import Snippet, frame_indices, frame_time, plan
from .probe import MediaInfo
from .settings import Settings

MANIFEST_VERSION = 1

PENDING = "pending"
RUNNING = "running"
DONE = "done"
PARTIAL = "partial"
FAILED = "failed"
CANCELLED = "cancelled"
JOB_STATUSES = (PENDING, RUNNING, DONE, PARTIAL, FAILED, CANCELLED)
SNIPPET_STATUSES = (PENDING, RUNNING, DONE, FAILED)


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


def _record(cls: type[Any], data: Any) -> Any:
    """``cls`` built from a JSON object. Fields this version does not know are ignored: a
    newer writer may add optional fields without breaking older readers of version 1."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} is not an object")
    known = {f.name for f in fields(cls)}
    return cls(**{key: value for key, value in data.items() if key in known})


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
    error: str | None = None
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    version: int = MANIFEST_VERSION

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
        frames = []
        for snippet in self.snippets:
            if snippet.status == DONE:
                for n in frame_indices(snippet.start, snippet.end, self.settings):
                    frames.append(FrameRecord(frame_time(n, self.settings), frame_relpath(n)))
        self.frames = frames

    # -- persistence ----------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "job_id": self.job_id,
            "backend": self.backend,
            "status": self.status,
            "error": self.error,
            "created": self.created,
            "updated": self.updated,
            "source": asdict(self.source),
            "settings": self.settings.to_dict(),
            "snippets": [_without_none_backend(asdict(s)) for s in self.snippets],
            "frames": [asdict(f) for f in self.frames],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False) + "\n"

    def save(self, job_dir: Path) -> Path:
        """Write ``manifest.json`` in ``job_dir`` atomically; returns its path."""
        self.updated = _now()
        path = job_dir / MANIFEST_NAME
        write_atomic(path, self.to_json().encode("utf-8"))
        return path

    @classmethod
    def from_dict(cls, data: Any, origin: str = "manifest") -> Manifest:
        if not isinstance(data, dict):
            raise ManifestError(f"{origin}: not a FrameFan manifest (not a JSON object)")
        version = data.get("version")
        if version != MANIFEST_VERSION:
            raise ManifestError(
                f"{origin}: manifest version {version!r} is not supported "
                f"(this FrameFan reads version {MANIFEST_VERSION})"
            )
        try:
            manifest = cls(
                job_id=str(data["job_id"]),
                source=_record(SourceInfo, data["source"]),
                settings=Settings.from_dict(data["settings"]),
                backend=str(data.get("backend", "local")),
                status=str(data["status"]),
                snippets=[_record(SnippetRecord, s) for s in data["snippets"]],
                frames=[_record(FrameRecord, f) for f in data["frames"]],
                error=data.get("error"),
                created=str(data.get("created", "")),
                updated=str(data.get("updated", "")),
            )
        except SettingsError as exc:
            raise ManifestError(f"{origin}: invalid settings: {exc}") from None
        except (KeyError, TypeError) as exc:
            raise ManifestError(f"{origin}: not a FrameFan manifest ({exc})") from None
        if manifest.status not in JOB_STATUSES:
            raise ManifestError(f"{origin}: unknown job status {manifest.status!r}")
        for record in manifest.snippets:
            if record.status not in SNIPPET_STATUSES:
                raise ManifestError(f"{origin}: unknown snippet status {record.status!r}")
        return manifest

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read a manifest file (``path`` may be the file or its job folder)."""
        if path.is_dir():
            path = path / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ManifestError(f"{path}: no manifest found") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ManifestError(f"{path}: cannot read the manifest ({exc})") from None
        return cls.from_dict(data, str(path))
