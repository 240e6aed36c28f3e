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

from .platform.filenames import device_name

MANIFEST_NAME = "manifest.json"
GIFS_DIR = "gifs"
FRAMES_DIR = "frames"
WORK_DIR = ".work"

# The longest folder name safe_job_name gives, and room for the longest path FrameFan writes
# inside a job folder (today a still in a render's scratch folder,
# ".work/snippet-00000/frames/000000.jpg", 37 characters), so that the output folder's own
# path can be checked against Windows' path limit before any work starts.
MAX_JOB_NAME = 71
MAX_INSIDE_JOB = 48


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
    The name is valid on every system (see core.platform.filenames): ``aux.final.mov``
    gets ``aux-final-…``, as ``aux.final-…`` would be a device on Windows.
    """
    path = Path(source)
    stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    stem = _UNSAFE.sub("-", stem).strip("-._")[:60] or "video"
    if device_name(stem):
        stem = stem.replace(".", "-", 1)
    identity = key if key is not None else str(path.expanduser().absolute())
    digest = hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:10]
    return f"{stem}-{digest}"


def job_dir_for(out_root: Path, source: str | Path) -> Path:
    """The job folder of ``source`` under ``out_root`` (a URL such as ``s3://bucket/key``
    is its own identity, wherever the command runs)."""
    text = str(source)
    if "://" in text:
        return out_root / safe_job_name(text.rsplit("/", 1)[-1], key=text)
    return out_root / safe_job_name(source)
