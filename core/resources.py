"""How many renders a job runs at once, and with how many threads, so that a job with huge
pictures cannot take more memory than the machine has.

Measured with FrameFan's own render (ffmpeg 7, H.264): peak memory grows with the decoded
picture size and the decoder threads, about ``picture × (5 + 2 × threads) + 64 MB`` (8K:
300 MB with one thread, 1 GB with eight; 16000×16000: 1.5 GB with one, 2 GB with eight).
Renders of small pictures are limited by the CPU count only; renders of large ones also by
a share of the memory available when the job starts.
"""

from __future__ import annotations

from dataclasses import dataclass

from .probe import MediaInfo

BASE_MEMORY = 64 * 1024 * 1024
# More decoder threads than this per render buy little speed and cost a picture each.
MAX_THREADS = 8
# The share of the available memory a job's renders may take together.
MEMORY_SHARE = 0.6


def picture_bytes(info: MediaInfo) -> int:
    """Bytes of one decoded picture of ``info``'s video stream."""
    return round(info.coded_width * info.coded_height * _bytes_per_pixel(info.pix_fmt))


def _bytes_per_pixel(pix_fmt: str) -> float:
    name = pix_fmt.lower()
    deep = any(mark in name for mark in ("10", "12", "16", "p010", "p016"))
    if name.startswith(("yuv420", "yuvj420", "nv12", "nv21", "p010", "p016")):
        per = 1.5
    elif name.startswith(("yuv422", "yuvj422", "nv16")):
        per = 2.0
    elif name.startswith("gray"):
        per = 1.0
    elif name.startswith(("rgba", "bgra", "argb", "abgr", "yuva", "gbrap")):
        per = 4.0
    else:  # 4:4:4, RGB and anything unknown
        per = 3.0
    return per * (2 if deep else 1)


def render_memory(picture: int, threads: int) -> int:
    """Estimated peak bytes of one render of pictures of ``picture`` bytes."""
    return picture * (5 + 2 * threads) + BASE_MEMORY


@dataclass(frozen=True)
class RenderPlan:
    renders: int  # renders of the job at once
    threads: int  # decoder threads of each


def render_plan(
    workers: int, pending: int, info: MediaInfo, cpus: int, available: int | None
) -> RenderPlan:
    """Renders at once and threads for a job with ``pending`` snippets, ``workers`` render
    slots and ``available`` bytes of memory (None: unknown, the CPUs alone decide)."""
    renders = max(1, min(workers, pending))
    threads = max(1, min(MAX_THREADS, cpus // renders))
    if available is None:
        return RenderPlan(renders, threads)
    budget = available * MEMORY_SHARE
    picture = picture_bytes(info)
    while threads > 1 and renders * render_memory(picture, threads) > budget:
        threads -= 1
    renders = max(1, min(renders, int(budget // render_memory(picture, threads))))
    return RenderPlan(renders, threads)
