"""How many renders a job runs at once, and with how many decoder threads: bounded by the
CPUs, and for huge pictures by the memory available."""

from __future__ import annotations

from core.probe import MediaInfo
from core.resources import MAX_THREADS, RenderPlan, picture_bytes, render_memory, render_plan

GB = 1024**3


def info(width: int, height: int, pix_fmt: str = "yuv420p") -> MediaInfo:
    return MediaInfo(60.0, width, height, 0, 25.0, "h264", "mov", True, 0, width, height, pix_fmt)


def test_picture_bytes_follow_the_pixel_format() -> None:
    assert picture_bytes(info(16000, 16000)) == 384_000_000
    assert picture_bytes(info(1920, 1080, "yuv420p10le")) == 1920 * 1080 * 3
    assert picture_bytes(info(1920, 1080, "yuv444p")) == 1920 * 1080 * 3
    assert picture_bytes(info(1920, 1080, "rgba")) == 1920 * 1080 * 4


def test_small_pictures_use_every_cpu_with_few_threads_each() -> None:
    hd = info(1920, 1080)
    assert render_plan(16, 100, hd, 16, 64 * GB) == RenderPlan(16, 1)
    assert render_plan(16, 1, hd, 64, 64 * GB) == RenderPlan(1, MAX_THREADS)  # capped
    assert render_plan(2, 5, hd, 2, None) == RenderPlan(2, 1)


def test_huge_pictures_run_fewer_renders_with_fewer_threads() -> None:
    bomb = info(16000, 16000)  # 384 MB a picture
    plan = render_plan(16, 100, bomb, 16, 8 * GB)
    assert plan.threads == 1
    assert plan.renders * render_memory(picture_bytes(bomb), 1) <= 0.6 * 8 * GB
    assert plan.renders == 1
    assert render_plan(16, 100, bomb, 16, 1 * GB) == RenderPlan(1, 1)  # always one at least
    eight_k = info(7680, 4320)
    assert render_plan(1, 1, eight_k, 16, 1 * GB) == RenderPlan(1, 3)  # 8 threads: 1.1 GB
