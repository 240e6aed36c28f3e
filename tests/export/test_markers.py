"""Markers for the editing timeline: written with OpenTimelineIO and its adapters, read back
with OpenTimelineIO, in the source's timecode (the job's video starts at 01:00:00:00)."""

from __future__ import annotations

import csv
from pathlib import Path

import opentimelineio as otio
import pytest

from core.errors import UsageError
from core.export import export_markers, open_job
from core.export.markers import fcpxml_notes, marks_from_timeline
from core.marks import Mark, MarkSet

from .conftest import run

MARKS = [
    Mark(2.0, 5.0, "Take A", ""),
    Mark(3.0, None, "Flash", "check exposure\nand the focus"),
    Mark(6.04, 7.52, "Wide, café", 'a note with <xml> & "quotes"'),
]


@pytest.fixture
def marked(job_dir: Path):
    marks = MarkSet.load(job_dir)
    for mark in MARKS:
        marks.add(mark)
    marks.save()
    return open_job(job_dir)


def read_back(path: Path, fps: float) -> otio.schema.Timeline:
    if path.suffix == ".edl":
        return otio.adapters.read_from_file(str(path), rate=fps)
    return otio.adapters.read_from_file(str(path))


@pytest.mark.parametrize("fmt", ["otio", "edl", "fcpxml"])
def test_marks_round_trip_through_opentimelineio(marked, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"marks.{fmt}"
    result = run(export_markers(marked, path))
    assert result.format == fmt and result.marks == 3
    back = marks_from_timeline(read_back(path, float(marked.rate.fps)), marked.clock)
    if fmt == "fcpxml":  # notes live in the markers' note attribute (see core.export.markers)
        back = [
            Mark(m.start, m.end, m.name, note)
            for m, note in zip(back, fcpxml_notes(path.read_text()), strict=True)
        ]
    assert back == MARKS


@pytest.mark.parametrize("fmt", ["edl", "fcpxml", "otio"])
def test_markers_carry_the_source_timecode(marked, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"marks.{fmt}"
    run(export_markers(marked, path))
    timeline = read_back(path, 25.0)
    first = next(iter(timeline.find_clips()))
    assert first.source_range.start_time.to_timecode(25.0) == "01:00:02:00"
    if fmt == "edl":
        event = next(line for line in path.read_text().splitlines() if line.startswith("001"))
        assert "01:00:02:00 01:00:05:00" in event  # source in and out
    if fmt == "fcpxml":
        assert 'start="3600/1s"' in path.read_text() or 'start="3600s"' in path.read_text()


def test_csv_lists_marks_in_timecode(marked, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    run(export_markers(marked, path))
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["start_tc"], r["end_tc"]) for r in rows] == [
        ("Take A", "01:00:02:00", "01:00:05:00"),
        ("Flash", "01:00:03:00", ""),
        ("Wide, café", "01:00:06:01", "01:00:07:13"),
    ]
    assert rows[1]["note"] == "check exposure\nand the focus"
    assert float(rows[2]["start_seconds"]) == 6.04


def test_csv_cells_cannot_run_as_formulas(job_dir: Path, tmp_path: Path) -> None:
    marks = MarkSet.load(job_dir)
    marks.add(Mark(1.0, None, '=HYPERLINK("http://x")', "@SUM(A1)"))
    marks.save()
    path = tmp_path / "m.csv"
    run(export_markers(open_job(job_dir), path))
    with path.open(newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert row["name"].startswith("'=") and row["note"].startswith("'@")


def test_no_marks_no_file(job, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no marks"):
        run(export_markers(job, tmp_path / "m.edl"))
    assert not (tmp_path / "m.edl").exists()


def test_a_damaged_marks_file_is_reported(job_dir: Path, tmp_path: Path) -> None:
    (job_dir / "marks.json").write_text("{oops")
    with pytest.raises(UsageError, match=r"marks\.json: damaged"):
        run(export_markers(open_job(job_dir), tmp_path / "m.otio"))
    assert (job_dir / "marks.json").read_text() == "{oops"


def test_a_mark_past_the_end_of_the_video_is_refused(job_dir: Path, tmp_path: Path) -> None:
    marks = MarkSet.load(job_dir)
    marks.add(Mark(5.0, 30.0, "Too long"))
    marks.save()
    with pytest.raises(UsageError, match=r"marks\.json: mark 'Too long' ends at 30 s, after"):
        run(export_markers(open_job(job_dir), tmp_path / "m.otio"))
