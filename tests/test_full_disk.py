"""A full disk, on a real small file system (a tmpfs mounted for the test): the job is
refused or stops with "not enough space in <folder>: N MB free, about M MB needed", its
manifest on disk records the true state (never ``running``), and every output it lists is
complete. RLIMIT_FSIZE or a mocked write would not be ENOSPC from the kernel, so without the
right to mount, these tests are skipped."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.events import SnippetFinished
from core.layout import MANIFEST_NAME
from core.manifest import DONE, FAILED, PENDING, Manifest
from core.runner import LocalRunner
from core.settings import Settings

from . import media
from .test_cli import framefan, json_lines
from .test_runner import Recorder, run_job

SPACE_MESSAGE = re.compile(
    r"not enough space in (?P<folder>\S+): (?P<free>[\d,]+) MB free|no space, "
    r"about (?P<needed>[\d,]+) MB needed"
)


@contextlib.contextmanager
def small_disk(folder: Path, megabytes: int) -> Iterator[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (mount -t tmpfs)")
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", f"framefan-{uuid.uuid4().hex}",
         str(folder)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> None:
    """Write until the file system is full."""
    with (folder / "filler").open("wb") as handle:
        try:
            while True:
                handle.write(bytes(1 << 20))
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        with contextlib.suppress(OSError):
            handle.close()


def outputs_complete(job: Path, manifest: Manifest) -> None:
    for snippet in manifest.snippets:
        if snippet.status == DONE:
            assert (job / (snippet.gif or "")).read_bytes().endswith(b"\x3b")
    for frame in manifest.frames:
        assert (job / frame.path).read_bytes().endswith(b"\xff\xd9")


def assert_space_message(error: str | None, job: Path) -> None:
    assert error is not None
    prefix = f"slow.mp4: not enough space in {job}: "
    assert error.startswith(prefix), error
    assert re.fullmatch(r"(no space|[\d,]+ MB free), about [\d,]+ MB needed", error[len(prefix) :])


def test_a_job_that_cannot_fit_is_refused_before_it_starts(make_video, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 2) as disk:
        job = disk / "job"
        manifest, events = run_job(make_video(media.SLOW_MP4), job, Settings(frame_width=0))
        assert manifest.status == FAILED
        assert_space_message(manifest.error, job)
        assert events.started() == []
        on_disk = json.loads((job / MANIFEST_NAME).read_text())
        assert on_disk["status"] == FAILED and on_disk["error"] == manifest.error
        assert [s["status"] for s in on_disk["snippets"]] == [PENDING]


def test_a_disk_that_fills_up_mid_run_stops_the_job_with_its_true_state(
    make_video, tmp_path: Path
) -> None:
    path = make_video(media.SLOW_MP4)
    settings = Settings(snippet_seconds=8)
    with small_disk(tmp_path / "disk", 48) as disk:
        job = disk / "job"
        events = Recorder()

        async def fill_after_first_snippet() -> Manifest:
            runner = LocalRunner(settings, workers=1, on_event=events)
            task = asyncio.ensure_future(runner.run_job(path, job))
            while not events.of(SnippetFinished):
                await asyncio.sleep(0.01)
            await asyncio.to_thread(fill, disk)
            return await task

        manifest = asyncio.run(fill_after_first_snippet())
        assert manifest.status == FAILED
        assert_space_message(manifest.error, job)
        on_disk = Manifest.load(job)
        assert on_disk.status == FAILED and on_disk.error == manifest.error
        assert on_disk.counts()[DONE] >= 1 and on_disk.counts()[PENDING] >= 1
        assert on_disk.counts()[FAILED] == 0  # no snippet is blamed for the disk
        outputs_complete(job, on_disk)

        (disk / "filler").unlink()
        resumed, again = run_job(path, job, settings, workers=1)
        assert resumed.status == DONE
        assert set(again.started()) == {s.index for s in on_disk.snippets if s.status != DONE}
        outputs_complete(job, resumed)


def test_the_command_line_says_the_disk_is_full(make_video, tmp_path: Path) -> None:
    shutil.copy(make_video(media.SLOW_MP4), tmp_path / "slow.mp4")
    with small_disk(tmp_path / "disk", 2) as disk:
        result = framefan("process", "--json", "--out", disk, "slow.mp4", cwd=tmp_path)
        assert result.returncode == 1
        (record,) = json_lines(result.stdout).values()
        job = Path(record["manifest"]).parent
        assert record["status"] == FAILED
        assert_space_message(record["error"], job)
        assert Manifest.load(job).status == FAILED
