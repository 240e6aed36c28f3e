"""Where a job's files live inside its folder.

One job folder per input::

    <job>/manifest.json
    <job>/gifs/00000.gif          one GIF per snippet, by snippet index
    <job>/frames/000000.jpg       one still per frame index n (time n * frame interval)
    <job>/overview/000012500.jpg  an approximate picture at 12.5 s (milliseconds, 9+ digits)
    <job>/.work/                  scratch space of renders in progress
    <job>/.lock                   held by the process writing the job (see core.job_folder)

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
OVERVIEW_DIR = "overview"
WORK_DIR = ".work"
LOCK_NAME = ".lock"
# Every folder FrameFan writes in a job folder (see core.job_folder).
OUTPUT_DIRS = (GIFS_DIR, FRAMES_DIR, OVERVIEW_DIR)


def gif_name(snippet_index: int) -> str:
    return f"{snippet_index:05d}.gif"


def frame_name(frame_index: int) -> str:
    return f"{frame_index:06d}.jpg"


# The longest folder name safe_job_name gives, and room for the longest path FrameFan writes
# inside a job folder (today a still in a render's scratch folder,
# ".work/snippet-00000/frames/000000.jpg", 37 characters), so that the output folder's own
# path can be checked against Windows' path limit before any work starts.
MAX_JOB_NAME = 71
MAX_INSIDE_JOB = 48


def overview_name(milliseconds: int) -> str:
    return f"{milliseconds:09d}.jpg"


def overview_relpath(milliseconds: int) -> str:
    return f"{OVERVIEW_DIR}/{overview_name(milliseconds)}"


def gif_relpath(snippet_index: int) -> str:
    return f"{GIFS_DIR}/{gif_name(snippet_index)}"


def frame_relpath(frame_index: int) -> str:
    return f"{FRAMES_DIR}/{frame_name(frame_index)}"


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


def job_dir_for(out_root: Path, source: str | Path, variant: int = 1) -> Path:
    """The job folder of ``source`` under ``out_root`` (a URL such as ``s3://bucket/key``
    is its own identity, wherever the command runs); ``variant`` > 1 names another folder
    for the same input (a render with other settings kept beside the first)."""
    text = str(source)
    if "://" in text:
        name = safe_job_name(text.rsplit("/", 1)[-1], key=text)
    else:
        name = safe_job_name(source)
    return out_root / (name if variant <= 1 else f"{name}-{variant}")
