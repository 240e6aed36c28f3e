"""What each system runs to show a file in its file manager (the desktop app carries the
steps out: tests/gui/test_platform.py)."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from core.platform.reveal import (
    FINDER_OPEN,
    FileManagerCall,
    Launch,
    RevealError,
    open_folder_steps,
    reveal_steps,
)
from tests import systems


@pytest.fixture
def path_with_xdg_open(tmp_path: Path) -> str:
    folder = tmp_path / "bin"
    folder.mkdir()
    program = folder / "xdg-open"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    return str(folder)


def test_macos_reveals_with_finder() -> None:
    path = PurePosixPath("/Users/ed/Movies/FrameFan/clip-0123456789")
    assert reveal_steps(path, "macos") == [Launch(FINDER_OPEN, ("-R", str(path)))]
    assert open_folder_steps(path, "macos") == [Launch(FINDER_OPEN, (str(path),))]


def test_windows_selects_with_explorer_by_its_full_path() -> None:
    path = PureWindowsPath("D:\\Jobs, 2026\\clip (1)-0123456789")
    env = {"SYSTEMROOT": "C:\\WINDOWS", "PATH": "C:\\Tools"}
    (step,) = reveal_steps(path, "windows", env)
    assert step == Launch(
        "C:\\WINDOWS\\explorer.exe",
        native_arguments='/select,"D:\\Jobs, 2026\\clip (1)-0123456789"',
    )
    (step,) = open_folder_steps(path, "windows", {})
    assert step.program == "C:\\Windows\\explorer.exe"
    assert step.native_arguments == '"D:\\Jobs, 2026\\clip (1)-0123456789"'


def test_windows_refuses_a_name_that_would_break_the_quoting() -> None:
    with pytest.raises(RevealError, match="double quote"):
        reveal_steps(PureWindowsPath('C:\\a"b'), "windows", {})


@systems.shell_scripts
def test_linux_asks_the_file_manager_then_falls_back_to_xdg_open(path_with_xdg_open) -> None:
    path = PurePosixPath("/home/ed/Videos/FrameFan/été $(x) #1")
    steps = reveal_steps(path, "linux", {"PATH": path_with_xdg_open})
    assert steps == [
        FileManagerCall("ShowItems", ("file:///home/ed/Videos/FrameFan/%C3%A9t%C3%A9%20%24%28x%29%20%231",)),
        Launch(f"{path_with_xdg_open}/xdg-open", ("/home/ed/Videos/FrameFan",)),
    ]  # fmt: skip
    folder = open_folder_steps(path, "linux", {"PATH": path_with_xdg_open})
    assert folder[0].method == "ShowFolders"
    assert folder[1].arguments == (str(path),)


def test_linux_without_xdg_open_has_only_the_file_manager_call(tmp_path: Path) -> None:
    steps = reveal_steps(PurePosixPath("/srv/x"), "linux", {"PATH": str(tmp_path)})
    assert [type(s) for s in steps] == [FileManagerCall]


@systems.only_on(*systems.posix, reason="file names are bytes on POSIX only")
def test_name_that_is_not_utf8_still_makes_a_file_uri() -> None:
    raw = PurePosixPath(b"/tmp/clip-\xff.mp4".decode("utf-8", "surrogateescape"))
    (call,) = reveal_steps(raw, "linux", {"PATH": ""})
    assert call.uris == ("file:///tmp/clip-%FF.mp4",)


@pytest.mark.parametrize("platform", ["linux", "macos", "windows"])
def test_relative_paths_are_a_programming_error(platform: str) -> None:
    with pytest.raises(ValueError, match="not an absolute path"):
        reveal_steps(PurePosixPath("clip") if platform != "windows" else PureWindowsPath("clip"),
                     platform, {})  # fmt: skip
