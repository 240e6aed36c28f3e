"""Where a job's files live inside its folder.

One job folder per input::

    <job>/manifest.json
    <job>/gifs/00000.gif          one GIF per snippet, by snippet index
    <job>/frames/000000.jpg       one still per frame index n (time n * frame interval)
    <job>/.work/                  scratch space of renders in progress

Local and cloud backends produce this same layout; the manifest stores paths relative to the
job folder (``gifs/00000.gif``), with ``/`` separators on every platform.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

MANIFEST_NAME = "manifest.json"
GIFS_DIR = "gifs"
FRAMES_DIR = "frames"
WORK_DIR = ".work"


def gif_relpath(snippet_index: int) -> str:
    return f"{GIFS_DIR}/{snippet_index:05d}.gif"


def frame_relpath(frame_index: int) -> str:
    return f"{FRAMES_DIR}/{frame_index:06d}.jpg"


def work_dir(job_dir: Path, snippet_index: int) -> Path:
    return job_dir / WORK_DIR / f"snippet-{snippet_index:05d}"


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_job_name(source: str | Path, *, key: str | None = None) -> str:
    """A folder name for the job of ``source``: readable, portable and collision-free.

    The readable part comes from the file name (ASCII letters, digits, ``._-`` only); a hash
    of ``key`` (default: the absolute path) keeps two inputs with the same name apart while
    giving the same input the same folder every time, which is what makes resuming work.
    """
    path = Path(source)
    stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", stem).strip("-._")[:60] or "video"
    identity = key if key is not None else str(path.expanduser().absolute())
    digest = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{stem}-{digest}"


def job_dir_for(out_root: Path, source: str | Path, variant: int = 1) -> Path:
    """The job folder of ``source`` under ``out_root``; ``variant`` > 1 names another
    folder for the same input (a render with other settings kept beside the first)."""
    name = safe_job_name(source)
    return out_root / (name if variant <= 1 else f"{name}-{variant}")
