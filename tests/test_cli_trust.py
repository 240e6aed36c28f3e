"""The command line as a new user and an attacker meet it: two runs at once, ``kill -9``
mid-render, a job folder whose manifest is damaged, limits. Real subprocesses, real ffmpeg."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import psutil

from core.layout import MANIFEST_NAME, job_dir_for
from core.manifest import DONE, FAILED, Manifest

from . import media
from .test_cli import command_line, framefan, framefan_command, json_lines


def start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*framefan_command(), *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def renders_of(job: Path) -> list[psutil.Process]:
    """Every live ffmpeg process rendering into ``job`` (whoever its parent is now)."""
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and f"{job.name}/.work" in command_line(proc):
                found.append(proc)
        except psutil.Error:
            pass
    return found


def wait_for(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_two_runs_at_once_the_second_is_refused_and_the_first_is_unharmed(
    make_video, tmp_path: Path
) -> None:
    path = make_video(media.SLOW_MP4)
    job = job_dir_for(tmp_path / "framefan-out", path)
    args = ["process", "--snippet-seconds", "8", "--workers", "1", str(path)]
    first = start(args, tmp_path)
    try:
        wait_for(lambda: renders_of(job))
        second = framefan("process", "--json", "--snippet-seconds", "8", path, cwd=tmp_path)
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
        first.wait()
    assert second.returncode == 1
    record = json_lines(second.stdout)[str(path)]
    assert record["status"] == FAILED
    assert record["error"] == (
        f"slow.mp4: framefan-out/{job.name} is being processed by another FrameFan "
        f"(pid {first.pid})"
    )
    assert first.returncode == 0, err
    assert out.startswith(f"done      {path} -> ")
    assert Manifest.load(job).status == DONE


def test_kill_9_mid_render_leaves_no_ffmpeg_behind_and_the_rerun_resumes(
    make_video, tmp_path: Path
) -> None:
    path = make_video(media.SLOW_MP4)
    job = job_dir_for(tmp_path / "framefan-out", path)
    # One 24 s snippet: a render of several seconds, which would outlive the 2 s below.
    cli = start(["process", "--snippet-seconds", "24", "--workers", "1", str(path)], tmp_path)
    try:
        renders = wait_for(lambda: renders_of(job))
    finally:
        cli.kill()  # SIGKILL: no chance to stop its children itself
        cli.communicate()
    assert renders
    killed = time.monotonic()
    while renders_of(job) and time.monotonic() - killed < 2:
        time.sleep(0.05)
    assert renders_of(job) == [], "ffmpeg outlived a FrameFan killed with SIGKILL"
    again = framefan("process", "--snippet-seconds", "24", "--workers", "1", path, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert Manifest.load(job).status == DONE


def test_a_damaged_manifest_in_the_job_folder_is_kept_aside_and_the_job_starts_over(
    make_video, tmp_path: Path
) -> None:
    path = make_video(media.H264_MP4)
    job = job_dir_for(tmp_path / "framefan-out", path)
    job.mkdir(parents=True)
    nested = '{"version": 1, "source": ' + "[" * 200_000 + "]" * 200_000 + "}"
    (job / MANIFEST_NAME).write_text(nested)
    result = framefan("process", path, cwd=tmp_path)
    assert result.returncode == 0
    assert (job / "manifest.json.bad").read_text() == nested
    assert "cannot read the manifest (nested too deeply); kept as manifest.json.bad" in (
        result.stderr
    )
    assert Manifest.load(job).status == DONE


def test_a_job_folder_from_a_zip_with_nan_durations_is_read_not_crashed_on(
    make_video, tmp_path: Path
) -> None:
    """A finished job sent by someone else: the CLI's summary of a rerun must cope with
    whatever its manifest held before."""
    path = make_video(media.H264_MP4)
    assert framefan("process", path, cwd=tmp_path).returncode == 0
    job = job_dir_for(tmp_path / "framefan-out", path)
    data = json.loads((job / MANIFEST_NAME).read_text())
    data["source"]["duration"] = float("nan")
    (job / MANIFEST_NAME).write_text(json.dumps(data))
    result = framefan("process", "--json", path, cwd=tmp_path)
    assert result.returncode == 0
    assert json_lines(result.stdout)[str(path)]["status"] == DONE
    assert "source.duration: must be a finite number (got nan)" in result.stderr


def test_limits_are_options(make_video, tmp_path: Path) -> None:
    path = make_video(media.STEP_MP4)
    result = framefan("process", "--json", "--max-stills", "5", path, cwd=tmp_path)
    assert result.returncode == 1
    assert json_lines(result.stdout)[str(path)]["error"] == (
        "step.mp4: it would make 8 still frames, more than the 5 allowed per job (max_stills "
        "limit); use a frame interval of at least 1.6 s, or no stills"
    )
    bad = framefan("process", "--max-megapixels", "0", path, cwd=tmp_path)
    assert bad.returncode == 2
    assert "max_megapixels must be between 1 and 1000 MP (got 0.0)" in bad.stderr
