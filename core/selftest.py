"""``--selftest``: prove an installation works end to end, with nothing but itself.

Generates a short clip with the ffmpeg FrameFan found, processes it through the real local
pipeline, and checks the manifest, the GIFs and the stills. Prints one line per check.
Callers may add checks of their own on the processed job (the desktop app opens it in its
window).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .errors import FrameFanError
from .ffmpeg_locator import ffmpeg_version, find_ffmpeg
from .manifest import DONE, Manifest
from .runner import LocalRunner
from .settings import Settings

_CLIP_SECONDS = 4
_SETTINGS = Settings(snippet_seconds=2, gif_width=120, frame_width=160)

# A further check of the processed job folder: what it proves, and a function returning the
# problems it found (none = passed).
JobCheck = tuple[str, Callable[[Path], list[str]]]


def _make_clip(ffmpeg: str, path: Path) -> None:
    subprocess.run(
        [ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=s=320x240:r=25:d={_CLIP_SECONDS}",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


def _check_outputs(job_dir: Path) -> list[str]:
    manifest = Manifest.load(job_dir)
    problems = []
    if manifest.status != DONE:
        problems.append(f"job ended {manifest.status}: {manifest.error}")
    expected_snippets = _CLIP_SECONDS // int(_SETTINGS.snippet_seconds)
    if len(manifest.snippets) != expected_snippets:
        problems.append(f"{len(manifest.snippets)} snippets, expected {expected_snippets}")
    for snippet in manifest.snippets:
        data = (job_dir / snippet.gif).read_bytes() if snippet.gif else b""
        if not data.startswith(b"GIF89a") or b"NETSCAPE2.0" not in data:
            problems.append(f"snippet {snippet.index}: missing or non-looping GIF")
    if [f.t for f in manifest.frames] != [float(t) for t in range(_CLIP_SECONDS)]:
        problems.append(f"stills at {[f.t for f in manifest.frames]}")
    for frame in manifest.frames:
        if not (job_dir / frame.path).read_bytes().startswith(b"\xff\xd8\xff"):
            problems.append(f"{frame.path} is not a JPEG")
    return problems


def _run_job_checks(
    job: Path, checks: Sequence[JobCheck], echo: Callable[[str], None]
) -> list[str]:
    for label, check in checks:
        problems = check(job)
        if problems:
            return problems
        echo(f"ok   {label}")
    return []


def run(echo: Callable[[str], None] = print, job_checks: Sequence[JobCheck] = ()) -> int:
    """Run the self-test; returns the process exit status (0 = passed).

    ``job_checks`` run in turn on the processed job once its outputs check out.
    """
    echo(f"FrameFan {__version__} self-test")
    try:
        ffmpeg = find_ffmpeg()
        echo(f"ok   ffmpeg {ffmpeg_version(ffmpeg)} at {ffmpeg}")
        with tempfile.TemporaryDirectory(prefix="framefan-selftest-") as tmp:
            clip = Path(tmp) / "selftest clip.mp4"
            _make_clip(ffmpeg, clip)
            echo(f"ok   generated a {_CLIP_SECONDS} s test clip")
            job = Path(tmp) / "job"
            manifest = asyncio.run(LocalRunner(_SETTINGS).run_job(clip, job))
            echo(f"ok   processed it: {manifest.status}")
            problems = _check_outputs(job)
            if not problems:
                echo("ok   manifest, GIFs and stills check out")
                problems = _run_job_checks(job, job_checks, echo)
    except (FrameFanError, OSError, subprocess.SubprocessError) as exc:
        echo(f"FAIL {exc}")
        return 1
    for problem in problems:
        echo(f"FAIL {problem}")
    if problems:
        return 1
    echo("self-test passed")
    return 0


if __name__ == "__main__":
    sys.exit(run())
