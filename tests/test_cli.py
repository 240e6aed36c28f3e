"""The ``framefan`` command, run as a real subprocess: exit codes, --json lines, settings
options and their validation, quiet output when not on a terminal, no tracebacks."""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from core import __version__
from core.cli.progress_view import ProgressView
from core.events import JobFinished, JobProgress, JobStarted
from core.layout import MANIFEST_NAME, frame_relpath, gif_relpath, job_dir_for
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, Manifest, SourceInfo
from core.settings import Settings

from . import media, processes, systems

FAST = ["--snippet-seconds", "3", "--gif-width", "64", "--frame-width", "64", "--workers", "2"]


def framefan_command() -> list[str]:
    script = Path(sys.executable).parent / "framefan"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from core.cli import main; sys.exit(main())"]


def framefan(*args: str | os.PathLike[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*framefan_command(), *map(os.fspath, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert "Traceback" not in result.stdout, result.stdout
    return result


def command_line(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # it ended meanwhile
        return ""


def json_lines(stdout: str) -> dict[str, dict]:
    records = [json.loads(line) for line in stdout.splitlines()]
    for record in records:
        assert set(record) == {"input", "status", "manifest", "error"}
    return {record["input"]: record for record in records}


def test_version(tmp_path: Path) -> None:
    result = framefan("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"framefan {__version__}"


def test_success_prints_one_line_per_input_and_nothing_else(make_video, tmp_path: Path) -> None:
    shutil.copy(make_video(media.STEP_MP4), tmp_path / "clip.mp4")
    result = framefan("process", *FAST, "clip.mp4", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == ""  # not a terminal: no progress bar
    job = job_dir_for(tmp_path / "framefan-out", tmp_path / "clip.mp4")
    assert result.stdout.splitlines() == [
        f"done      clip.mp4 -> framefan-out/{job.name} (3/3 snippets, 8 frames)"
    ]
    manifest = Manifest.load(job)
    assert manifest.status == DONE
    assert len(list((job / "frames").iterdir())) == 8


def test_json_lines_and_exit_status_for_a_mixed_batch(make_video, tmp_path: Path) -> None:
    good = make_video(media.H264_MP4)
    (tmp_path / "notes.mp4").write_text("Only some notes.\n")
    (tmp_path / "playlist.m3u8").write_text("#EXTM3U\n#EXTINF:2,\nfile:///proc/self/environ\n")
    audio = make_video(media.AUDIO_M4A)
    inputs = [str(good), "notes.mp4", "playlist.m3u8", "missing.mp4", str(audio), str(tmp_path)]
    result = framefan("process", "--json", "--out", "results", *FAST, *inputs, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == ""
    records = json_lines(result.stdout)
    assert len(result.stdout.splitlines()) == len(inputs)
    assert set(records) == set(inputs)
    expected = {
        str(good): (DONE, None),
        "notes.mp4": (FAILED, "notes.mp4: it is a text file, not a video"),
        "playlist.m3u8": (FAILED, "playlist.m3u8: it is an HLS playlist (m3u8), not a video file"),
        "missing.mp4": (FAILED, "missing.mp4: file not found"),
        str(audio): (FAILED, "audio.m4a: it has no video stream (audio only)"),
        str(tmp_path): (FAILED, f"{tmp_path.name}: it is a folder, not a video file"),
    }
    for item, (status, error) in expected.items():
        record = records[item]
        assert (record["status"], record["error"]) == (status, error)
        job_dir = job_dir_for(tmp_path / "results", tmp_path / item)
        if status == DONE:
            manifest_path = tmp_path / record["manifest"]
            assert manifest_path == job_dir / MANIFEST_NAME
            assert Manifest.load(manifest_path).status == status
        else:  # refused before any work: no job folder, no manifest
            assert record["manifest"] is None
            assert not job_dir.exists()


@systems.only_on(*systems.posix, reason="a file's mode makes it unreadable on POSIX systems")
def test_an_unreadable_input_is_permission_denied_and_the_batch_goes_on(make_video, tmp_path):
    good = make_video(media.H264_MP4)
    locked = tmp_path / "locked.mp4"
    shutil.copyfile(good, locked)
    locked.chmod(0)
    inputs = ["locked.mp4", str(good)]
    result = subprocess.run(
        [*framefan_command(), "process", "--json", "--out", "results", *FAST, *inputs],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
        preexec_fn=processes.as_plain_user,
    )  # fmt: skip
    assert result.returncode == 1 and result.stderr == ""
    records = json_lines(result.stdout)
    assert (records["locked.mp4"]["status"], records["locked.mp4"]["error"]) == (
        FAILED,
        "locked.mp4: permission denied",
    )
    assert records[str(good)]["status"] == DONE


def test_all_good_with_json_exits_zero(make_video, tmp_path: Path) -> None:
    inputs = [make_video(media.H264_MP4), make_video(media.H264_MKV)]
    result = framefan("process", "--json", "--out", tmp_path / "o", *FAST, *inputs, cwd=tmp_path)
    assert result.returncode == 0
    records = json_lines(result.stdout)
    assert {r["status"] for r in records.values()} == {DONE}
    assert {r["error"] for r in records.values()} == {None}


def test_partial_and_failed_jobs_exit_one_with_a_one_line_error(make_video, tmp_path: Path) -> None:
    path = make_video(media.STEP_MP4)
    args = ["process", "--json", "--out", "out", "--snippet-seconds", "2", "--frame-interval", "5"]
    assert framefan(*args, path, cwd=tmp_path).returncode == 0
    job = job_dir_for(tmp_path / "out", path)
    for snippet, still in ((0, 0), (2, 1)):  # folders where two stills go: their snippets fail
        (job / gif_relpath(snippet)).unlink()
        (job / frame_relpath(still)).unlink()
        (job / frame_relpath(still) / "in the way").mkdir(parents=True)
    result = framefan(*args, path, cwd=tmp_path)
    assert result.returncode == 1
    record = json_lines(result.stdout)[str(path)]
    assert record["status"] == PARTIAL
    assert record["error"].startswith("cannot write in ")
    assert record["error"].endswith("(and 1 more failed snippets)")
    assert Manifest.load(job).counts()[DONE] == 2

    for snippet in range(4):  # now no GIF can land: every snippet fails
        gif = job / gif_relpath(snippet)
        gif.unlink(missing_ok=True)
        (gif / "in the way").mkdir(parents=True)
    record = json_lines(framefan(*args, path, cwd=tmp_path).stdout)[str(path)]
    assert record["status"] == FAILED
    assert record["error"].startswith("cannot write in ") and "\n" not in record["error"]


def test_setting_options_reach_the_manifest(make_video, tmp_path: Path) -> None:
    path = make_video(media.STEP_MP4)
    result = framefan(
        "process", "--json", "--out", "out",
        "--snippet-seconds", "2.5", "--gif-fps", "5", "--gif-width", "48",
        "--frame-interval", "0.5", "--frame-width", "0", "--jpeg-quality", "50",
        "--workers", "1", path, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0
    manifest = Manifest.load(tmp_path / json_lines(result.stdout)[str(path)]["manifest"])
    assert manifest.settings == Settings(
        snippet_seconds=2.5, gif_fps=5, gif_width=48, frame_interval=0.5, frame_width=0,
        jpeg_quality=50,
    )  # fmt: skip
    assert len(manifest.snippets) == 4 and len(manifest.frames) == 16

    result = framefan("process", "--json", "--out", "out", "--no-frames", path, cwd=tmp_path)
    manifest = Manifest.load(tmp_path / json_lines(result.stdout)[str(path)]["manifest"])
    assert manifest.settings == Settings(frames=False)
    assert manifest.frames == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--gif-fps", "0"], "gif_fps must be between 1 and 50 fps"),
        (["--gif-fps", "2.5"], "gif_fps must be a whole number (got 2.5)"),
        (["--snippet-seconds", "abc"], "snippet_seconds has an invalid value 'abc'"),
        (["--snippet-seconds", "0.5"], "snippet_seconds must be between 1 and 3600 s"),
        (["--frame-width", "8"], "frame_width must be 0 (video size) or at least 16 px"),
        (["--frame-interval", "nan"], "frame_interval must be a finite number"),
        (["--jpeg-quality", "101"], "jpeg_quality must be between 1 and 100"),
        (["--workers", "0"], "--workers must be at least 1"),
        (["--backend", "cloud"], "argument --backend: invalid choice: 'cloud'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_exit_two_with_a_message(
    tmp_path: Path, options: list[str], message: str
) -> None:
    result = framefan("process", *options, "clip.mp4", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "usage: framefan" in result.stderr
    assert f"error: {message}" in result.stderr
    assert not (tmp_path / "framefan-out").exists()


@pytest.mark.parametrize("args", [[], ["process"], ["render", "x.mp4"]])
def test_missing_command_or_input_is_a_usage_error(tmp_path: Path, args: list[str]) -> None:
    result = framefan(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "usage: framefan" in result.stderr


def test_bad_inputs_never_print_a_traceback(make_video, tmp_path: Path) -> None:
    cut = media.truncated_copy(make_video(media.FASTSTART_MP4), tmp_path / "cut.mp4", 0.6)
    (tmp_path / "empty.webm").touch()
    (tmp_path / "list.mkv").write_text("ffconcat version 1.0\nfile '/etc/passwd'\n")
    inputs = [cut, "empty.webm", "list.mkv", make_video(media.IMAGE_JPG), "https://", "ftp://x/y"]
    result = framefan("process", "--out", "o", *inputs, cwd=tmp_path)  # checks: no traceback
    assert result.returncode == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == len(inputs)
    assert all(line.startswith("failed ") for line in lines)
    assert any("cut.mp4: the file is truncated" in line for line in lines)
    assert any("ftp://x/y: only https URLs can be processed" in line for line in lines)


def test_hostile_names_on_the_command_line(
    make_video, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["$(touch pwned).mp4", "-y.mp4", "`touch pwned`; x.mkv", "100%d.mp4", "a:b.mp4"]
    for name in names:
        shutil.copy(make_video(media.H264_MP4), tmp_path / name)
    result = framefan("process", "--json", *FAST, "--", *names, cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    records = json_lines(result.stdout)
    assert set(records) == set(names)
    assert {r["status"] for r in records.values()} == {DONE}
    assert not list(tmp_path.rglob("pwned"))


@systems.sigterm
def test_sigterm_stops_the_batch_and_its_ffmpeg(make_video, tmp_path: Path) -> None:
    path = make_video(media.SLOW_MP4)
    process = subprocess.Popen(
        [*framefan_command(), "process", "--snippet-seconds", "8", "--workers", "1", str(path)],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    cli = psutil.Process(process.pid)
    deadline = time.monotonic() + 60
    renders: list[psutil.Process] = []
    while not renders and time.monotonic() < deadline:
        renders = [c for c in cli.children(recursive=True) if "paletteuse" in command_line(c)]
        time.sleep(0.02)
    assert renders, "no render started"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert "cancelled; finished snippets are kept, run again to resume" in stderr
    for render in renders:  # ffmpeg runs in its own session: it must have been ended
        assert not psutil.pid_exists(render.pid)
    manifest = Manifest.load(job_dir_for(tmp_path / "framefan-out", path))
    assert manifest.status == CANCELLED


@systems.only_on(*systems.posix, reason="pseudo-terminals are POSIX's")
def test_progress_bar_on_a_terminal(make_video, tmp_path: Path) -> None:
    """With stderr on a terminal a live progress view is drawn there, and the result line
    is printed through it."""
    import pty  # POSIX only

    # Named relative to the working folder, so the result line fits the terminal's width
    # wherever the test's folders are.
    shutil.copyfile(make_video(media.STEP_MP4), tmp_path / "step.mp4")
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [*framefan_command(), "process", *FAST, "step.mp4"],
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=terminal,
            text=True,
            env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
        )
        os.close(terminal)
        drawn = b""
        while True:
            ready, _, _ = select.select([controller], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed when the command ended
                break
            if not chunk:
                break
            drawn += chunk
        stdout, _ = process.communicate(timeout=60)
    finally:
        os.close(controller)
    assert process.returncode == 0
    screen = drawn.decode("utf-8", "replace")
    assert "step.mp4" in screen and "%" in screen and "snippets" in screen
    assert "Traceback" not in screen
    assert "done      " in screen and "(3/3 snippets, 8 frames)" in screen
    assert stdout == ""


def test_the_terminal_bar_says_estimating_until_it_has_a_time_left() -> None:
    view = ProgressView()
    view.handle(JobStarted("job", SourceInfo(name="a.mp4", duration=60.0), Path("m"), 2, 0))
    view.handle(JobProgress("job", 0.1, 0, 0, 2, None))
    task = view._progress.tasks[0]
    assert (task.completed, task.fields["eta"]) == (0.1, "estimating…")
    view.handle(JobProgress("job", 0.2, 0, 0, 2, 65.0))
    assert task.fields["eta"] == "1:05 left"
    view.handle(JobFinished("job", "done", None, Path("m")))
    assert view._progress.tasks == []


def test_the_overview_pass_runs_unless_turned_off(make_video, tmp_path: Path) -> None:
    video = make_video(media.KEYFRAMES_MP4)
    for out, extra, expected in (("with", [], 10), ("without", ["--no-overview"], 0)):
        result = framefan("process", "--json", "--out", out, *FAST, *extra, video, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        record = json_lines(result.stdout)[str(video)]
        assert len(Manifest.load(tmp_path / record["manifest"]).overview) == expected
