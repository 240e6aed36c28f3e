"""One window per user, with real processes: a second launch hands its files to the window
already open; a socket left by a killed window does not stop the next launch; a window that
does not answer is reported in one line."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.layout import MANIFEST_NAME
from gui.platform.single_instance import (
    Address,
    InstanceError,
    SingleInstance,
    decode,
    encode,
    private_runtime_dir,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="signals and Unix sockets")


def _env(home: Path) -> dict[str, str]:
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    return {
        **env,
        "HOME": str(home),
        "XDG_RUNTIME_DIR": str(runtime),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
    }


def _start(home: Path) -> subprocess.Popen[str]:
    with (home / "window.out").open("a") as output:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-m", "gui"],
            env=_env(home),
            cwd=home,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            stdin=subprocess.DEVNULL,
        )


@contextlib.contextmanager
def _window(home: Path) -> Iterator[subprocess.Popen[str]]:
    """A window process of the profile in ``home``, killed at the end if still there."""
    process = _start(home)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _launch(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gui", *args],
        env=_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def _log(home: Path) -> str:
    path = home / ".local" / "state" / "FrameFan" / "log" / "framefan.log"
    return path.read_text() if path.exists() else ""


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def _listening(home: Path, count: int) -> None:
    """Wait until the ``count``-th window launched is open and listening for later
    launches."""
    _wait(lambda: _log(home).count("listening for later launches") >= count)
    _wait(lambda: _log(home).count("window open (FrameFan") >= count)


def _queue(home: Path) -> list[dict]:
    path = home / ".local" / "share" / "FrameFan" / "queue.json"
    try:
        return json.loads(path.read_text())["entries"]
    except (OSError, ValueError):
        return []


def _close(window: subprocess.Popen[str]) -> int:
    window.send_signal(signal.SIGTERM)  # closes the window the normal way
    return window.wait(timeout=60)


def test_a_second_launch_hands_its_files_to_the_open_window(tmp_path, step_job):
    home = tmp_path
    notes = home / "notes.mp4"
    notes.write_text("not a video\n")
    with _window(home) as first:
        _listening(home, 1)
        # A relative path means the folder the second launch started in.
        second = _launch(home, "notes.mp4", str(step_job))
        assert second.returncode == 0, second.stderr
        assert second.stdout == "framefan-gui: handed 2 paths to the FrameFan window already open\n"
        _wait(lambda: len(_queue(home)) == 2)
        entries = _queue(home)
        assert {e["input"] for e in entries} >= {str(notes)}
        assert str(step_job) in {e["job_dir"] for e in entries}  # the earlier job, opened
        assert first.poll() is None  # still the one window
        assert _close(first) == 0


def test_a_socket_left_by_a_killed_window_does_not_stop_the_next(tmp_path):
    home = tmp_path
    with _window(home) as killed:
        _listening(home, 1)
        killed.send_signal(signal.SIGKILL)
        killed.wait()
    sockets = list((home / "run").glob("framefan-*.sock"))
    assert sockets, "the killed window left its socket"
    with _window(home) as again:
        _listening(home, 2)  # it found the socket dead and took over
        later = _launch(home)
        assert later.returncode == 0, later.stderr
        assert later.stdout == "framefan-gui: brought up the FrameFan window already open\n"
        assert again.poll() is None
        assert _close(again) == 0
        assert not list((home / "run").glob("framefan-*.sock"))  # closing removes it


def test_a_window_that_does_not_answer_is_one_line(tmp_path):
    home = tmp_path
    with _window(home) as stuck:
        _listening(home, 1)
        stuck.send_signal(signal.SIGSTOP)
        try:
            result = _launch(home, str(home))
        finally:
            stuck.send_signal(signal.SIGCONT)
        assert result.returncode == 1
        assert result.stderr == (
            "framefan-gui: a FrameFan window is open but not answering; close it (or end its "
            "process), then try again\n"
        )
        assert _close(stuck) == 0


def test_messages_between_launches_are_checked(qapp):
    paths, jobs = decode(encode([Path("/v/a b.mp4")], [Path("/j/manifest.json")]))
    assert (paths, jobs) == ([Path("/v/a b.mp4")], [Path("/j/manifest.json")])
    for bad in (b"[]", b'{"paths": ["relative.mp4"]}', b'{"paths": [1]}', b"\xff", b"{"):
        with pytest.raises(ValueError):
            decode(bad)
    assert MANIFEST_NAME == "manifest.json"


def test_sockets_go_only_in_a_folder_private_to_the_user(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(shared))  # others can enter it: not used
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    tempfile.tempdir = None  # read TMPDIR again
    try:
        folder = private_runtime_dir()
        assert folder == tmp_path / f"framefan-{os.getuid()}"
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        address = Address.for_profile(tmp_path / "config")
        assert Path(address.name).parent == folder
        assert address != Address.for_profile(tmp_path / "other-profile")
        folder.chmod(0o755)  # as if made by someone else first, for everyone to enter
        with pytest.raises(InstanceError, match="not a folder private to this user"):
            private_runtime_dir()
        assert SingleInstance.for_profile(tmp_path / "config") is None  # a window anyway
    finally:
        tempfile.tempdir = None
