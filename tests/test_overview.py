"""The overview pass: keyframe pictures of the whole video, at their exact times, written
atomically into the job folder and never through a link."""

from __future__ import annotations

import asyncio
import itertools
import os
from pathlib import Path

import pytest
from PIL import Image

from core.input_safety import as_source
from core.layout import OVERVIEW_DIR, WORK_DIR, overview_relpath
from core.manifest import FrameRecord
from core.overview import OverviewPass, spacing
from core.probe import probe

from . import media

# Step levels are 40 apart: a picture within this of the expected level shows that second.
TOLERANCE = 12


def image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def sweep(path: Path, job: Path, **kw) -> tuple[list[FrameRecord], bool]:
    got: list[FrameRecord] = []

    async def run() -> bool:
        info = await probe(path)
        return await OverviewPass(as_source(path), info, job, got.extend, **kw).run()

    ok = asyncio.run(run())
    return got, ok


def assert_shows_its_time(ffmpeg: str, job: Path, pictures: list[FrameRecord]) -> None:
    for picture in pictures:
        level = media.STEP_LEVELS[int(picture.t + 1e-6)]
        assert abs(media.luma(ffmpeg, job / picture.path) - level) < TOLERANCE, picture


def test_one_picture_per_keyframe_at_its_exact_time(make_video, ffmpeg, tmp_path: Path) -> None:
    pictures, ok = sweep(make_video(media.KEYFRAMES_MP4), tmp_path)
    assert ok
    assert [p.t for p in pictures] == [float(t) for t in range(0, 20, 2)]
    assert [p.path for p in pictures] == [overview_relpath(t * 1000) for t in range(0, 20, 2)]
    assert_shows_its_time(ffmpeg, tmp_path, pictures)
    assert sorted(os.listdir(tmp_path / OVERVIEW_DIR)) == [Path(p.path).name for p in pictures]
    assert not (tmp_path / WORK_DIR).exists() or not os.listdir(tmp_path / WORK_DIR)
    assert image_size(tmp_path / pictures[0].path) == (160, 120)  # never upscaled


def test_dense_keyframes_give_a_hundred_pictures_spread_over_the_video(
    make_video, ffmpeg, tmp_path: Path
) -> None:
    pictures, _ = sweep(make_video(media.ALL_KEYFRAMES_MP4), tmp_path)
    times = [p.t for p in pictures]
    gap = spacing(60.0)
    assert gap == pytest.approx(0.6)
    assert 95 <= len(times) <= 105
    assert times[0] == 0.0 and times[-1] >= 60.0 - 2 * gap
    assert all(0.5 * gap <= b - a <= gap + 0.04 + 1e-6 for a, b in itertools.pairwise(times))
    assert_shows_its_time(ffmpeg, tmp_path, pictures[::10])


def test_intra_only_video_is_not_decoded_whole(make_video, ffmpeg, tmp_path: Path) -> None:
    pictures, ok = sweep(make_video(media.MJPEG_AVI), tmp_path)
    assert ok
    times = [p.t for p in pictures]
    # One picture every half second (the shortest spacing), each the first of its slot.
    assert times == pytest.approx([n * 0.5 for n in range(40)], abs=0.041)
    assert_shows_its_time(ffmpeg, tmp_path, pictures[::5])


def test_rotated_video_pictures_are_upright(make_video, tmp_path: Path) -> None:
    pictures, _ = sweep(make_video(media.ROTATED_90), tmp_path)
    width, height = image_size(tmp_path / pictures[0].path)
    assert height > width


def test_a_sweep_resumed_from_a_time_starts_there(make_video, ffmpeg, tmp_path: Path) -> None:
    pictures, _ = sweep(make_video(media.KEYFRAMES_MP4), tmp_path, start=10.0)
    assert [p.t for p in pictures] == [10.0, 12.0, 14.0, 16.0, 18.0]
    assert_shows_its_time(ffmpeg, tmp_path, pictures)


def test_a_link_in_place_of_the_overview_folder_is_refused(make_video, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    job = tmp_path / "job"
    job.mkdir()
    (job / OVERVIEW_DIR).symlink_to(elsewhere)
    pictures, _ = sweep(make_video(media.KEYFRAMES_MP4), job)
    assert pictures == []
    assert os.listdir(elsewhere) == []


def test_a_link_planted_at_a_picture_name_is_replaced_not_followed(
    make_video, tmp_path: Path
) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    job = tmp_path / "job"
    (job / OVERVIEW_DIR).mkdir(parents=True)
    planted = job / overview_relpath(0)
    planted.symlink_to(target)
    pictures, _ = sweep(make_video(media.KEYFRAMES_MP4), job)
    assert pictures[0].path == overview_relpath(0)
    assert target.read_text() == "keep me"
    assert not planted.is_symlink() and planted.stat().st_size > 0


def test_cancelled_sweep_stops_ffmpeg_and_lists_what_it_moved(make_video, tmp_path: Path) -> None:
    got: list[FrameRecord] = []

    async def run() -> None:
        path = make_video(media.ALL_KEYFRAMES_HD_MP4)
        info = await probe(path)
        task: asyncio.Future[bool] | None = None

        def first_pictures(pictures: list[FrameRecord]) -> None:
            got.extend(pictures)
            task.cancel()  # at the first batch, while ffmpeg sweeps the rest

        task = asyncio.ensure_future(
            OverviewPass(as_source(path), info, tmp_path, first_pictures).run()
        )
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())  # the conftest guard fails the test if ffmpeg is left running
    assert 0 < len(got) < 90  # stopped midway: a whole sweep gives about a hundred
    on_disk = sorted(os.listdir(tmp_path / OVERVIEW_DIR))
    assert on_disk == sorted(Path(p.path).name for p in got)
    assert os.listdir(tmp_path / WORK_DIR) == []  # the scratch folder is gone
