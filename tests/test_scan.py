"""Expanding dropped files and folders into inputs."""

from __future__ import annotations

import os
from pathlib import Path

from core.scan import collect_inputs, input_identity


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folders_are_scanned_for_videos_and_the_rest_is_counted(tmp_path: Path) -> None:
    a = _touch(tmp_path / "shoot" / "a.MP4")
    b = _touch(tmp_path / "shoot" / "day2" / "b.mkv")
    notes = _touch(tmp_path / "shoot" / "notes.txt")
    _touch(tmp_path / "shoot" / ".hidden.mp4")
    _touch(tmp_path / "shoot" / ".cache" / "c.mp4")
    result = collect_inputs([tmp_path / "shoot"])
    assert result.videos == [a, b]
    assert result.skipped == [notes]
    assert not result.missing


def test_named_files_are_kept_whatever_their_name(tmp_path: Path) -> None:
    odd = _touch(tmp_path / "readme.txt")
    result = collect_inputs([odd, tmp_path / "gone.mp4"])
    assert result.videos == [odd]
    assert result.missing == [tmp_path / "gone.mp4"]


def test_the_same_file_by_another_path_is_taken_once(tmp_path: Path) -> None:
    clip = _touch(tmp_path / "clip.mp4")
    link = tmp_path / "link.mp4"
    os.symlink(clip, link)
    spelled = tmp_path / "sub" / ".." / "clip.mp4"
    (tmp_path / "sub").mkdir()
    result = collect_inputs([clip, link, spelled])
    assert result.videos == [clip]
    assert input_identity(link) == input_identity(clip)
    assert input_identity(tmp_path / "other.mp4") != input_identity(clip)


def test_a_huge_folder_stops_at_the_limit(tmp_path: Path) -> None:
    for n in range(5):
        _touch(tmp_path / f"{n}.mp4")
    result = collect_inputs([tmp_path], limit=3)
    assert len(result.videos) == 3
    assert result.truncated
