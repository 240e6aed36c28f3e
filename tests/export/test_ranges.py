"""Stills, GIFs and clips of a range, checked by decoding what was written.

The job's video steps in brightness each second (tests/media.py), so a picture's brightness
tells which second of the source it shows.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import psutil
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageSequence, ImageStat

from core.errors import UsageError
from core.export import ExportJob, export_clip, export_gif, export_still, open_job
from core.export.gif import GifSettings, _fit, gif_ladder
from core.export.work import Steps, in_thread
from core.layout import MANIFEST_NAME
from core.probe import probe

from .. import media
from .conftest import run

TOLERANCE = 14
FRAME = 1 / 25


def level(second: int) -> int:
    return media.STEP_LEVELS[second]


def brightness(image: Image.Image) -> float:
    return ImageStat.Stat(image.convert("L")).mean[0]


def gif_frames(path: Path) -> tuple[list[float], float]:
    """Brightness of each frame and the total duration (seconds) of a GIF."""
    with Image.open(path) as gif:
        levels, total = [], 0
        for frame in ImageSequence.Iterator(gif):
            levels.append(brightness(frame))
            total += frame.info["duration"]
    return levels, total / 1000


def test_stored_still(job: ExportJob, tmp_path: Path) -> None:
    result = run(export_still(job, 3.5, tmp_path / "still.png"))
    assert result.time == 3.0  # the stored still on screen at 3.5 s
    with Image.open(result.path) as image:
        assert image.format == "PNG" and image.size == (320, 240)
        assert abs(brightness(image) - level(3)) < TOLERANCE


def test_full_size_still_from_the_source(job: ExportJob, tmp_path: Path) -> None:
    result = run(export_still(job, 5.5, tmp_path / "still.jpg", full_size=True))
    with Image.open(result.path) as image:
        assert image.format == "JPEG" and image.size == (320, 240)
        assert abs(brightness(image) - level(5)) < TOLERANCE


def test_gif_lasts_the_range(job: ExportJob, tmp_path: Path) -> None:
    result = run(export_gif(job, 2.0, 5.0, tmp_path / "range.gif"))
    levels, duration = gif_frames(result.path)
    assert abs(duration - 3.0) <= 1 / result.settings.fps + 0.01
    assert len(levels) == 30  # 10 fps, the job's rate
    assert abs(levels[0] - level(2)) < TOLERANCE and abs(levels[-1] - level(4)) < TOLERANCE
    assert result.settings.width == 160  # the job's GIF width


def test_gif_within_a_byte_budget(job: ExportJob, tmp_path: Path) -> None:
    plain = run(export_gif(job, 1.0, 6.0, tmp_path / "plain.gif", width=320, fps=25))
    budget = plain.bytes // 4
    result = run(
        export_gif(job, 1.0, 6.0, tmp_path / "fit.gif", width=320, fps=25, max_bytes=budget)
    )
    assert result.bytes == result.path.stat().st_size <= budget
    assert result.settings != plain.settings
    _, duration = gif_frames(result.path)
    assert abs(duration - 5.0) <= 1 / result.settings.fps + 0.01
    assert not list(tmp_path.glob(".*"))  # no temporary file left
    assert result.tries <= 1 + 2 * math.ceil(math.log2(len(gif_ladder(320, 25.0))))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 10**7), min_size=1, max_size=60),
    st.integers(1, 10**7),
)
def test_the_search_finds_the_first_rung_that_fits(sizes: list[int], budget: int) -> None:
    """Whatever the sizes along the ladder (falling), the first that fits is found, with
    at most twice the GIFs a bisection would make."""
    falling = sorted(sizes, reverse=True)
    ladder = [GifSettings(1000 - n, 10.0) for n in range(len(falling))]
    made: list[int] = []

    async def render(rung: int) -> Path:
        made.append(rung)
        return _Sized(falling[rung])

    if falling[-1] > budget:
        with pytest.raises(UsageError):
            asyncio.run(_fit(ladder, budget, render, "x"))
        return
    rung, _ = asyncio.run(_fit(ladder, budget, render, "x"))
    assert falling[rung] <= budget and (rung == 0 or falling[rung - 1] > budget)
    assert len(made) <= 1 + 2 * math.ceil(math.log2(len(falling))), made


class _Sized:
    """Stands for a GIF file of a given size (the search only asks its size)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def stat(self):
        return self

    @property
    def st_size(self) -> int:
        return self.size


def test_gif_budget_too_small(job: ExportJob, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="even the smallest GIF"):
        run(export_gif(job, 0.0, 8.0, tmp_path / "tiny.gif", max_bytes=1024))
    assert [p.name for p in tmp_path.iterdir()] == ["job"]  # nor any temporary file


def test_clip_is_exact_to_the_frame(job: ExportJob, tmp_path: Path, ffmpeg: str) -> None:
    result = run(export_clip(job, 2.0, 5.0, tmp_path / "clip.mp4"))
    assert not result.copied and (result.start, result.end) == (2.0, 5.0)
    info = run(probe(result.path))
    assert abs(info.duration - 3.0) <= FRAME + 0.001
    assert info.codec == "h264" and info.timecode == "01:00:02:00"
    assert abs(media.luma(ffmpeg, result.path) - level(2)) < TOLERANCE


def test_copy_cuts_at_keyframes_and_says_so(job: ExportJob, tmp_path: Path) -> None:
    # Keyframes every second: 2.5–4.5 widens to 2–5.
    result = run(export_clip(job, 2.5, 4.5, tmp_path / "copy.mov", copy=True))
    assert result.copied and result.snapped
    assert (result.start, result.end) == (2.0, 5.0)
    info = run(probe(result.path))
    assert abs(info.duration - (result.end - result.start)) <= FRAME + 0.001


def _move_source(job_dir: Path, path: str) -> None:
    manifest = job_dir / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    data["source"]["path"] = path
    manifest.write_text(json.dumps(data))


def test_a_moved_source_is_named_and_can_be_given(
    job_dir: Path, tmp_path: Path, make_video
) -> None:
    real = open_job(job_dir).manifest.source.path
    _move_source(job_dir, str(tmp_path / "gone.mov"))
    job = open_job(job_dir)
    with pytest.raises(UsageError, match=r"gone\.mov: the source video .*moved.*--source"):
        run(export_gif(job, 1.0, 2.0, tmp_path / "a.gif"))
    result = run(export_gif(job, 1.0, 2.0, tmp_path / "a.gif", source=Path(str(real))))
    assert result.path.is_file()
    with pytest.raises(UsageError, match="not the video of this job"):
        run(export_gif(job, 1.0, 2.0, tmp_path / "b.gif", source=make_video(media.H264_MP4)))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(3.0, 2.0, "must come after"), (1.0, 9.0, "outside the video"), (-1, 2.0, "outside")],
)
def test_bad_ranges(job: ExportJob, tmp_path: Path, start, end, message) -> None:
    with pytest.raises(UsageError, match=message):
        run(export_clip(job, start, end, tmp_path / "c.mp4"))


def test_an_existing_output_is_kept_without_force(job: ExportJob, tmp_path: Path) -> None:
    target = tmp_path / "still.jpg"
    target.write_bytes(b"mine")
    with pytest.raises(UsageError, match="exists"):
        run(export_still(job, 1.0, target))
    assert target.read_bytes() == b"mine"
    run(export_still(job, 1.0, target, force=True))
    assert target.read_bytes()[:3] == b"\xff\xd8\xff"


def test_cancelling_a_clip_leaves_nothing(job_dir: Path, tmp_path: Path, make_video) -> None:
    slow = make_video(media.SLOW_MP4)
    manifest = job_dir / MANIFEST_NAME
    data = json.loads(manifest.read_text())
    data["source"].update(path=str(slow), duration=24.0, timecode=None)
    manifest.write_text(json.dumps(data))
    job = open_job(job_dir)
    out = tmp_path / "out"
    out.mkdir()

    async def cancel_once_encoding() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(
            export_clip(job, 0.0, 24.0, out / "clip.mp4", on_progress=lambda f: started.set())
        )
        await asyncio.wait_for(started.wait(), 60)
        assert psutil.Process().children(recursive=True)  # ffmpeg is running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(cancel_once_encoding())
    assert not list(out.iterdir())


def test_picture_work_stops_when_cancelled() -> None:
    reached: list[float] = []

    def work(steps: Steps) -> None:
        for n in range(10_000):
            steps.done(n / 10_000)
            reached.append(n)
            __import__("time").sleep(0.001)

    async def cancel_soon() -> None:
        task = asyncio.create_task(in_thread(work, None))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        count = len(reached)
        await asyncio.sleep(0.05)
        assert len(reached) == count < 10_000  # the thread had stopped when cancel returned

    run(cancel_soon())


def test_file_names_for_exports(job: ExportJob) -> None:
    assert job.file_name(95.5, ".jpg") == "timecode_01-01-35-12.jpg"
    assert job.file_name(1.0, ".gif", end=3.0) == "timecode_01-00-01-00_01-00-03-00.gif"
    fresh = open_job(job.job_dir)
    fresh.manifest.source.timecode = None
    fresh.manifest.source.name = "$(rm -rf ~) interview.mov"
    assert fresh.file_name(95.5, ".jpg") == "rm-rf-interview_00-01-35.jpg"
