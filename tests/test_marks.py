"""marks.json: editing, saving atomically, and damaged files reported, kept, never fatal."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from core.marks import (
    MARKS_NAME,
    MAX_MARKS,
    Mark,
    MarksError,
    MarkSet,
    load_marks,
    marks_json,
    parse_marks,
)

TAKE = Mark(5.0, 12.0, "Take A", "")
FLASH = Mark(40.0, None, "Flash", "check exposure")


def test_the_documented_example_round_trips(tmp_path: Path) -> None:
    document = {
        "version": 1,
        "marks": [
            {"start": 5.0, "end": 12.0, "name": "Take A", "note": ""},
            {"start": 40.0, "end": None, "name": "Flash", "note": "check exposure"},
        ],
    }
    (tmp_path / MARKS_NAME).write_text(json.dumps(document))
    marks = MarkSet.load(tmp_path)
    assert marks.problem is None
    assert marks.marks == [TAKE, FLASH]
    assert json.loads(marks_json(marks.marks)) == document


def test_edit_and_save(tmp_path: Path) -> None:
    marks = MarkSet.load(tmp_path)
    assert marks.marks == [] and marks.problem is None
    assert marks.add(FLASH) == 0
    assert marks.add(TAKE) == 0  # kept sorted by start
    assert marks.update(1, Mark(1.0, None, "Slate", "")) == 0
    assert marks.delete(1) == TAKE
    result = marks.save()
    assert result.path == tmp_path / MARKS_NAME and result.kept_aside is None
    assert load_marks(tmp_path) == [Mark(1.0, None, "Slate", "")]
    assert not [p for p in tmp_path.iterdir() if p.name != MARKS_NAME]  # no temporary left


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": -1.0}, "0 or more"),
        ({"start": float("nan")}, "0 or more"),
        ({"start": "5"}, "must be a number"),
        ({"start": True}, "must be a number"),
        ({"start": 5.0, "end": 5.0}, "after its start"),
        ({"start": 5.0, "end": 3.0}, "after its start"),
        ({"start": 5.0, "name": "a\x00b"}, "control characters"),
        ({"start": 5.0, "name": "two\nlines"}, "control characters"),
        ({"start": 5.0, "name": "x" * 201}, "longer than"),
        ({"start": 5.0, "note": 3}, "must be text"),
    ],
)
def test_invalid_marks_are_refused(fields: dict, message: str) -> None:
    with pytest.raises(MarksError, match=message):
        Mark(**fields)


def test_notes_may_have_several_lines() -> None:
    assert Mark(1.0, None, "n", "line one\nline two").note.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "damaged, not JSON"),
        (b"\xff\xfe", "damaged, not JSON"),
        (b"[]", "not a FrameFan marks file"),
        (b'{"version": 2, "marks": []}', "version 2 is not supported"),
        (b'{"version": 1, "marks": [{"end": 3}]}', "mark 1: a mark has no start"),
        (b'{"version": 1, "marks": [{"start": 1, "colour": "red"}]}', "unknown fields"),
        (b'{"version": 1, "marks": [{"start": 4, "end": 2}]}', "mark 1:"),
        (b"[" * 100_000 + b"]" * 100_000, "damaged"),
    ],
)
def test_a_damaged_file_is_reported_not_fatal(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / MARKS_NAME
    path.write_bytes(content)
    marks = MarkSet.load(tmp_path)
    assert marks.marks == []
    assert marks.problem is not None and message in marks.problem
    assert str(path) in marks.problem
    assert path.read_bytes() == content  # left untouched by reading
    with pytest.raises(MarksError, match=message):
        load_marks(tmp_path)


def test_saving_over_a_damaged_file_keeps_it_aside(tmp_path: Path) -> None:
    path = tmp_path / MARKS_NAME
    path.write_bytes(b"{damaged")
    (tmp_path / "marks.json.bad").write_bytes(b"an older one")
    marks = MarkSet.load(tmp_path)
    marks.add(TAKE)
    result = marks.save()
    assert result.kept_aside == tmp_path / "marks.json.bad-2"
    assert result.kept_aside.read_bytes() == b"{damaged"
    assert (tmp_path / "marks.json.bad").read_bytes() == b"an older one"
    assert load_marks(tmp_path) == [TAKE]
    assert marks.problem is None


def test_marks_changed_by_another_program_are_not_overwritten(tmp_path: Path) -> None:
    first = MarkSet.load(tmp_path)
    second = MarkSet.load(tmp_path)
    first.add(TAKE)
    first.save()
    second.add(FLASH)
    with pytest.raises(MarksError, match="changed by another program"):
        second.save()
    assert load_marks(tmp_path) == [TAKE]
    again = MarkSet.load(tmp_path)
    again.add(FLASH)
    again.save()
    assert load_marks(tmp_path) == [TAKE, FLASH]


def test_too_many_marks(tmp_path: Path) -> None:
    marks = [{"start": float(n)} for n in range(MAX_MARKS + 1)]
    with pytest.raises(MarksError, match=f"more than {MAX_MARKS}"):
        parse_marks(json.dumps({"version": 1, "marks": marks}).encode(), "x")


def test_too_large_a_file_is_not_read(tmp_path: Path) -> None:
    with (tmp_path / MARKS_NAME).open("wb") as handle:
        handle.truncate(9 * 1024 * 1024)
    marks = MarkSet.load(tmp_path)
    assert marks.problem is not None and "too large" in marks.problem


def test_a_link_out_of_the_job_folder_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.json"
    outside.write_text(json.dumps({"version": 1, "marks": [{"start": 1.0}]}))
    job = tmp_path / "job"
    job.mkdir()
    (job / MARKS_NAME).symlink_to(outside)
    marks = MarkSet.load(job)
    assert marks.marks == [] and "outside the job folder" in str(marks.problem)


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs")
def test_a_fifo_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / MARKS_NAME)
    marks = MarkSet.load(tmp_path)
    assert "not a regular file" in str(marks.problem)


def test_the_example_in_the_manifest_docs_parses() -> None:
    from .test_manifest import _documented_examples

    examples = [text for text in _documented_examples() if '"marks"' in text]
    assert len(examples) == 1
    assert parse_marks(examples[0].encode(), "docs/manifest.md") == [TAKE, FLASH]
