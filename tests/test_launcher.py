"""``FrameFan``, the installed app's one program, run from the sources: which arguments open
the window and which reach the command line (the bundle itself is tested in
test_installer.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeDatabase

from core import __version__
from core.input_safety import VIDEO_EXTENSIONS
from gui.platform.desktop_entry import VIDEO_MIME_TYPES, DesktopEntryError, add_to_menu

from . import systems

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


def _no_display() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    clean.pop("QT_QPA_PLATFORM", None)
    return clean


@systems.only_on(systems.LINUX, reason="only X11 and Wayland systems can lack a display")
def test_the_window_without_a_display_is_one_line(tmp_path):
    result = launch("--theme", "dark", home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("FrameFan: no display to open the window on")
    assert "`FrameFan process VIDEO…`" in result.stderr
    assert "`FrameFan --screenshot FILE`" in result.stderr
    assert len(result.stderr.splitlines()) == 1


@systems.only_on(systems.LINUX, reason="only X11 and Wayland systems can lack a display")
def test_framefan_gui_without_a_display_is_one_line_too(tmp_path):
    """No display at all, and a display no server answers (Qt would abort): one line each,
    pointing to what works without a window."""
    env = {**_no_display(), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for extra, reason in (
        ({}, "no display to open the window on"),
        ({"DISPLAY": ":97"}, "cannot open the window: could not connect to display :97"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "gui", str(tmp_path / "clip.mov")],
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith(f"framefan-gui: {reason}"), result.stderr
        assert "`framefan process VIDEO…`" in result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and "Aborted" not in result.stderr


def test_selftest_also_shows_the_job_in_the_window(tmp_path):
    result = launch("--selftest", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok   opened it in the window (offscreen): still painted, GIF decoded" in result.stdout
    assert "ok   the platform plugin for this system's windows loads" in result.stdout
    assert list(tmp_path.iterdir()) == []
    extra = launch("--selftest", "now", home=tmp_path)
    assert extra.returncode == 2
    assert extra.stderr == "FrameFan: --selftest takes no arguments (got now)\n"


def desktop_file_validate(entry: Path) -> str:
    """What ``desktop-file-validate`` finds wrong with ``entry`` (nothing: empty)."""
    result = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
    return result.stdout + result.stderr + ("" if result.returncode == 0 else "(failed)")


@systems.freedesktop
def test_add_to_menu_writes_a_valid_entry_that_starts_this_program(tmp_path):
    data = tmp_path / "data"
    result = launch("--add-to-menu", home=tmp_path, XDG_DATA_HOME=str(data))
    assert result.returncode == 0, result.stderr
    entry = data / "applications" / "framefan.desktop"
    assert result.stdout == f"added FrameFan to the application menu: {entry}\n"
    assert desktop_file_validate(entry) == ""
    assert f"\nExec={sys.executable} -m gui %F\n" in entry.read_text()  # a checkout's program
    assert "Icon=framefan\n" in entry.read_text()
    for size in (16, 48, 256):
        with Image.open(
            data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "framefan.png"
        ) as icon:
            assert icon.size == (size, size)
            red, _green, blue, alpha = icon.getpixel((size // 2, size // 8))
            assert alpha == 255 and blue > red  # the blue tile, not a blank image

    result = launch("--remove-from-menu", home=tmp_path, XDG_DATA_HOME=str(data))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"removed {1 + 7} file(s)")
    # Only the folder's own index of which entry opens which type stays (now without us).
    left = [p for p in data.rglob("*") if p.is_file()]
    assert [p.name for p in left] in ([], ["mimeinfo.cache"])
    assert all("framefan" not in p.read_text() for p in left)


@systems.freedesktop
def test_the_entry_opens_every_kind_of_video_and_hands_the_files_over(tmp_path):
    """File managers offer "Open with FrameFan" for each video type FrameFan takes, and the
    desktop starts the program with the files chosen (as GNOME does, with GLib)."""
    files = add_to_menu(tmp_path / "data", [str(tmp_path / "not-run")])
    declared = next(
        line.split("=", 1)[1].rstrip(";").split(";")
        for line in files.entry.read_text().splitlines()
        if line.startswith("MimeType=")
    )
    assert declared == list(VIDEO_MIME_TYPES)
    database = QMimeDatabase()
    for extension in sorted(VIDEO_EXTENSIONS):
        # One name can match several types (.ts: also Qt Linguist); one of them is the video.
        found = {m.name() for m in database.mimeTypesForFileName(f"clip{extension}")}
        found |= {a for m in database.mimeTypesForFileName(f"clip{extension}") for a in m.aliases()}
        assert found & set(declared), (extension, found)
    cache = (tmp_path / "data" / "applications" / "mimeinfo.cache").read_text()
    assert "video/mp4=framefan.desktop;" in cache

    program = tmp_path / "FrameFan"
    program.write_text(
        '#!/bin/sh\nprintf "%s\\n" "$@" > "$MARKER.part" && mv "$MARKER.part" "$MARKER"\n'
    )
    program.chmod(0o755)
    files = add_to_menu(tmp_path / "data", [str(program)])
    videos = [tmp_path / "a clip.mov", tmp_path / "$(touch pwned).mp4"]
    for video in videos:
        video.write_bytes(b"")
    marker = tmp_path / "started"
    env = {**os.environ, "MARKER": str(marker)}
    subprocess.run(
        ["gio", "launch", str(files.entry), *map(str, videos)],
        env=env,
        cwd=tmp_path,
        check=True,
        timeout=30,
    )
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text().splitlines() == [str(v) for v in videos]
    assert not (tmp_path / "pwned").exists()


def test_a_video_named_first_opens_the_window_and_a_command_still_runs(tmp_path):
    video = tmp_path / "clip.mov"
    video.write_bytes(b"")
    # Without a display, a launch that would open the window says so (and a command does
    # not reach the command line's "invalid choice").
    for args in ([str(video)], ["clip.mov"], ["./process"], [str(tmp_path)]):
        result = subprocess.run(
            [sys.executable, "-m", "gui.launcher", *args],
            cwd=tmp_path,
            env={**_no_display(), "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 1, args
        assert result.stderr.startswith("FrameFan: no display to open the window on"), args
    usage = launch("process", home=tmp_path)
    assert "the following arguments are required: VIDEO" in usage.stderr
    typo = launch("proces", home=tmp_path)  # a typo of a command, not a file
    assert typo.returncode == 2 and "invalid choice: 'proces'" in typo.stderr


@systems.freedesktop
def test_the_desktop_starts_the_program_from_a_hostile_folder(tmp_path):
    """The entry is started by GLib's launcher, as GNOME and others start menu entries."""
    folder = tmp_path.joinpath("Frame Fan", '"quoted"', "it's", "$(touch pwned)", "`id`", "a\\b")
    folder = folder / "x;y&z" / "new\nline"
    folder.mkdir(parents=True)
    program = folder / "FrameFan"
    program.write_text(
        '#!/bin/sh\nprintf "%s" "$0" > "$MARKER.part" && mv "$MARKER.part" "$MARKER"\n'
    )
    program.chmod(0o755)
    files = add_to_menu(tmp_path / "data", [str(program)])
    assert desktop_file_validate(files.entry) == ""

    marker = tmp_path / "started"
    env = {**os.environ, "MARKER": str(marker)}
    subprocess.run(
        ["gio", "launch", str(files.entry)], env=env, cwd=tmp_path, check=True, timeout=30
    )
    deadline = time.monotonic() + 20
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marker.read_text() == str(program)
    assert not list(tmp_path.rglob("pwned"))


def test_a_program_path_with_a_percent_sign_is_refused(tmp_path):
    with pytest.raises(DesktopEntryError, match="holds a %"):
        add_to_menu(tmp_path, ["/opt/100% FrameFan/FrameFan"])
    assert list(tmp_path.iterdir()) == []


@systems.freedesktop
def test_menu_entry_that_cannot_be_written_is_one_line(tmp_path):
    blocked = tmp_path / "data"
    blocked.write_text("a file where the data folder should be")
    result = launch("--add-to-menu", home=tmp_path, XDG_DATA_HOME=str(blocked))
    assert result.returncode == 1
    assert result.stderr.startswith("FrameFan: cannot write the menu entry:")
    assert len(result.stderr.splitlines()) == 1
