"""``FrameFan``, the installed app's one program, run from the sources: which arguments open
the window and which reach the command line (the bundle itself is tested in
test_installer.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core import __version__

ROOT = Path(__file__).resolve().parent.parent


def launch(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    clean.pop("QT_QPA_PLATFORM", None)
    return subprocess.run(
        [sys.executable, "-m", "gui.launcher", *args],
        cwd=ROOT,
        env={**clean, "HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_version(tmp_path):
    result = launch("--version", home=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"FrameFan {__version__}\n")


def test_help_covers_the_window_and_the_command_line(tmp_path):
    result = launch("--help", home=tmp_path)
    assert result.returncode == 0
    assert "--screenshot FILE" in result.stdout  # the window's options
    assert "--selftest" in result.stdout
    assert "usage: FrameFan [-h] [--version] [-v] COMMAND" in result.stdout
    assert "process" in result.stdout and "selftest" in result.stdout


def test_a_command_goes_to_the_command_line_with_its_exit_status(tmp_path):
    usage = launch("process", home=tmp_path)
    assert usage.returncode == 2
    assert "the following arguments are required: VIDEO" in usage.stderr
    missing = launch("-v", "process", str(tmp_path / "none.mp4"), home=tmp_path)
    assert missing.returncode == 1
    assert "none.mp4: file not found" in missing.stdout


def test_the_window_without_a_display_is_one_line(tmp_path):
    result = launch("--theme", "dark", home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("FrameFan: no display to open the window on")
    assert len(result.stderr.splitlines()) == 1


def test_selftest_also_shows_the_job_in_the_window(tmp_path):
    result = launch("--selftest", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   opened it in the window (offscreen): still painted, GIF decoded" in result.stdout
    assert "ok   the platform plugin for this system's windows loads" in result.stdout
    assert list(tmp_path.iterdir()) == []
    extra = launch("--selftest", "now", home=tmp_path)
    assert extra.returncode == 2
    assert extra.stderr == "FrameFan: --selftest takes no arguments (got now)\n"
