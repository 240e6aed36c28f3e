"""Test videos, generated with ffmpeg's lavfi sources (never downloaded, never mocked)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from core.ffmpeg_locator import find_ffmpeg

# Brightness of second s of a step video: far apart, so lossy coding cannot blur two steps.
STEP_LEVELS = [20 + 40 * (s % 6) for s in range(60)]


@dataclass(frozen=True)
class Spec:
    """How to make one test video."""

    filename: str
    source: str  # lavfi graph for the video
    codec: list[str] = field(default_factory=lambda: ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
    extra_inputs: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


def step_source(seconds: float, size: str = "160x120", rate: int = 25) -> str:
    """A video whose brightness steps once per second (level of second s: STEP_LEVELS[s])."""
    levels = "+".join(
        f"{level - STEP_LEVELS[0]}*eq(floor(N/{rate}),{s})"
        for s, level in enumerate(STEP_LEVELS[: int(seconds) + 1])
    )
    return (
        f"color=c=black:s={size}:r={rate}:d={seconds},format=gray,"
        f"geq=lum='{STEP_LEVELS[0]}+{levels}',format=yuv420p"
    )


def make(spec: Spec, folder: Path) -> Path:
    """Generate ``spec`` under ``folder`` unless it is already there."""
    path = folder / spec.filename
    if path.exists():
        return path
    tmp = path.with_name(".tmp-" + path.name)
    args = [
        find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", spec.source, *spec.extra_inputs, *spec.codec, *spec.extra,
        "-f", _muxer(path), str(tmp),
    ]  # fmt: skip
    subprocess.run(args, check=True, timeout=300)
    tmp.rename(path)
    return path


def _muxer(path: Path) -> str:
    return {
        ".mp4": "mp4",
        ".mov": "mov",
        ".mkv": "matroska",
        ".webm": "webm",
        ".ts": "mpegts",
        ".avi": "avi",
        ".m4a": "ipod",
    }.get(path.suffix.lower(), "mp4")


def luma(ffmpeg: str, image: Path) -> float:
    """Mean brightness (0–255) of an image, decoded by ffmpeg."""
    raw = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-i", str(image),
         "-vf", "scale=1:1:flags=area,format=gray", "-f", "rawvideo", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    return float(raw[0])
