"""Checks made before work starts: ffmpeg, output folder, free space."""

from __future__ import annotations

from pathlib import Path

from core.preflight import (
    DISK_SPACE,
    FFMPEG,
    OUTPUT_FOLDER,
    check_ffmpeg,
    check_free_space,
    check_output_folder,
    preflight,
)


def test_a_usable_folder_and_ffmpeg_pass(tmp_path: Path, ffmpeg: str) -> None:
    out = tmp_path / "new" / "out"
    assert preflight(out, ffmpeg=ffmpeg, min_free=1) == []
    assert out.is_dir()
    assert list(out.iterdir()) == []  # the write probe leaves nothing behind


def test_a_file_in_the_way_of_the_output_folder_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    problem = check_output_folder(blocker / "jobs")
    assert problem is not None and problem.kind == OUTPUT_FOLDER
    assert str(blocker / "jobs") in problem.message
    assert "choose another output folder" in problem.message


def test_too_little_free_space_is_reported(tmp_path: Path) -> None:
    problem = check_free_space(tmp_path, min_free=1 << 60)
    assert problem is not None and problem.kind == DISK_SPACE
    assert str(tmp_path) in problem.message and "free" in problem.message
    assert check_free_space(tmp_path / "not" / "yet", min_free=1) is None


def test_a_missing_ffmpeg_says_what_to_do(tmp_path: Path, monkeypatch) -> None:
    # Hide every ffmpeg: no PATH, no imageio copy, a configured path that does not exist.
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", str(tmp_path / "none"))
    monkeypatch.delenv("FRAMEFAN_FFMPEG", raising=False)
    problem = check_ffmpeg(tmp_path / "ffmpeg")
    assert problem is not None and problem.kind == FFMPEG
    assert "FRAMEFAN_FFMPEG" in problem.message
