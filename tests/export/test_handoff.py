"""Named copies of stills and GIFs for other programs, and a snippet's GIF saved elsewhere."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from core.errors import ExportError, UsageError
from core.export import HandoffFolder, export_snippet_gif, hand_off
from core.export.handoff import KEEP_SECONDS
from core.layout import frame_relpath, gif_relpath

from .conftest import run


def test_a_copy_is_named_for_what_it_shows_and_never_replaces_another(job, tmp_path):
    folder = HandoffFolder(tmp_path / "handoff")
    name = job.file_name(4.0, ".jpg")
    assert name == "timecode_01-00-04-00.jpg"
    first, data = hand_off(job, frame_relpath(4), name, folder)
    second, _ = hand_off(job, frame_relpath(4), name, folder)
    assert first.name == second.name == name and first != second
    assert first.read_bytes() == data == (job.job_dir / frame_relpath(4)).read_bytes()


def test_old_copies_are_removed_when_a_new_one_is_made(job, tmp_path):
    folder = HandoffFolder(tmp_path / "handoff")
    old, _ = hand_off(job, frame_relpath(1), "old.jpg", folder)
    stale = time.time() - KEEP_SECONDS - 60
    os.utime(old.parent, (stale, stale))
    unrelated = folder.root / "notes.txt"  # not a copy: left alone
    unrelated.write_text("x")
    new, _ = hand_off(job, frame_relpath(2), "new.jpg", folder)
    assert not old.exists() and new.exists() and unrelated.exists()


def test_a_file_leading_out_of_the_job_folder_is_not_handed_out(job, tmp_path):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes(b"not yours")
    still = job.job_dir / frame_relpath(3)
    still.unlink()
    still.symlink_to(secret)
    with pytest.raises(ExportError, match="outside the job folder"):
        hand_off(job, frame_relpath(3), "x.jpg", HandoffFolder(tmp_path / "handoff"))
    with pytest.raises(ValueError):
        HandoffFolder(tmp_path / "handoff").place(b"x", "../escape.jpg")


def test_a_snippets_gif_is_saved_as_rendered(job, tmp_path):
    out = tmp_path / "snippet.gif"
    result = run(export_snippet_gif(job, 1, out))
    assert out.read_bytes() == (job.job_dir / gif_relpath(1)).read_bytes()
    assert (result.start, result.end, result.bytes) == (3.0, 6.0, out.stat().st_size)
    with pytest.raises(UsageError, match="exists"):
        run(export_snippet_gif(job, 1, out))
    with pytest.raises(UsageError, match="no GIF"):
        run(export_snippet_gif(job, 9, tmp_path / "none.gif"))
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".gif") == ["snippet.gif"]


def test_a_missing_gif_fails_and_leaves_nothing(job, tmp_path):
    (job.job_dir / gif_relpath(0)).unlink()
    with pytest.raises(ExportError, match="missing"):
        run(export_snippet_gif(job, 0, tmp_path / "gone.gif"))
    assert not list(Path(tmp_path).glob("*.gif")) and not list(tmp_path.glob(".*tmp*"))
