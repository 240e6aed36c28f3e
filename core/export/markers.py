"""``export markers``: the job's marks for the editing timeline, in source timecode.

The marks become an OpenTimelineIO timeline of "selects": one clip per mark on one video
track, cut from the source at the mark's range (a point mark: one frame), named after the
mark and carrying it as a marker (name, range, note). OpenTimelineIO and its adapters write
it as OpenTimelineIO JSON (``.otio``), a CMX 3600 EDL (Premiere, Resolve, Avid) or FCPXML
(Final Cut Pro, Resolve); a CSV lists the marks for spreadsheets.

What each format keeps, read back with OpenTimelineIO (:func:`marks_from_timeline`):

* OTIO: everything.
* EDL: names (the clip name; locator names are upper case in EDLs), ranges (a point mark is
  a one-frame event) and notes (``* NOTE:`` comment lines, one per line of the note).
* FCPXML: names and ranges; notes are the markers' ``note`` attribute, which Final Cut Pro
  and Resolve show but OpenTimelineIO's FCPXML reader does not read: they are added to the
  file here and read back here too.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from ..errors import ExportError, UsageError
from ..marks import Mark
from ..timecode import SourceClock, frames_to_seconds, label_to_frames
from .job import ExportJob
from .output import check_output_file, staged_file
from .work import ProgressCallback

FORMATS = ("otio", "edl", "fcpxml", "csv")
EXTENSIONS = {".otio": "otio", ".edl": "edl", ".fcpxml": "fcpxml", ".csv": "csv"}
_ADAPTERS = {"otio": "otio_json", "edl": "cmx_3600", "fcpxml": "fcpx_xml"}
RECORD_START = "01:00:00:00"  # where the selects timeline starts, as editing software does
NOTE_PREFIX = "NOTE: "
CSV_COLUMNS = ["name", "start_tc", "end_tc", "start_seconds", "end_seconds", "note"]


@dataclass(frozen=True)
class MarkersResult:
    path: Path
    format: str
    marks: int


def _rt(frames: int, clock: SourceClock) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, float(clock.rate.fps))


def mark_frames(mark: Mark, clock: SourceClock) -> tuple[int, int]:
    """The mark's first frame (since 00:00:00:00 of the source timecode) and its length in
    frames: at least one."""
    first = clock.frames(mark.start)
    if mark.end is None:
        return first, 1
    return first, max(1, clock.frames(mark.end) - first)


def marks_timeline(job: ExportJob, marks: list[Mark]) -> otio.schema.Timeline:
    """The selects timeline of ``marks``."""
    clock = job.clock
    source_path = job.manifest.source.path
    target = Path(source_path).as_uri() if source_path else job.name
    available = otio.opentime.TimeRange(
        _rt(clock.start_frames, clock), _rt(clock.frames(job.duration) - clock.start_frames, clock)
    )
    record_start = _record_start(clock)
    timeline = otio.schema.Timeline(
        name=f"{Path(job.name).stem} marks", global_start_time=_rt(record_start, clock)
    )
    track = otio.schema.Track(name="Selects", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for number, mark in enumerate(marks, 1):
        first, length = mark_frames(mark, clock)
        name = mark.name or f"Mark {number}"
        clip = otio.schema.Clip(
            name=name,
            media_reference=otio.schema.ExternalReference(
                target_url=target, available_range=available
            ),
            source_range=otio.opentime.TimeRange(_rt(first, clock), _rt(length, clock)),
        )
        marker = otio.schema.Marker(
            name=name,
            marked_range=otio.opentime.TimeRange(
                _rt(first, clock), _rt(length if mark.is_range else 0, clock)
            ),
            color=otio.schema.MarkerColor.GREEN if mark.is_range else otio.schema.MarkerColor.RED,
            metadata={"framefan": {"start": mark.start, "end": mark.end, "note": mark.note}},
        )
        marker.comment = mark.note
        clip.markers.append(marker)
        if mark.note:
            comments = [NOTE_PREFIX + line for line in mark.note.splitlines()]
            clip.metadata["cmx_3600"] = {"comments": comments}
        track.append(clip)
    return timeline


def _record_start(clock: SourceClock) -> int:
    separator = ";" if clock.rate.drop_frame else ":"
    return label_to_frames(RECORD_START[:8] + separator + RECORD_START[9:], clock.rate)


def marks_from_timeline(timeline: otio.schema.Timeline, clock: SourceClock) -> list[Mark]:
    """The marks a selects timeline holds (as read back by OpenTimelineIO from any of the
    formats written here), in seconds of the source."""
    marks = []
    for clip in timeline.find_clips():
        source = clip.source_range or clip.trimmed_range()
        first = round(source.start_time.rescaled_to(float(clock.rate.fps)).value)
        length = round(source.duration.rescaled_to(float(clock.rate.fps)).value)
        start = frames_to_seconds(first - clock.start_frames, clock.rate)
        ours = next((m for m in clip.markers if "framefan" in m.metadata), None)
        if ours is not None:
            data = ours.metadata["framefan"]
            is_range = data.get("end") is not None
            note = ours.comment or str(data.get("note") or "")
        else:
            is_range = length > 1
            comments = clip.metadata.get("cmx_3600", {}).get("comments", [])
            lines = [str(c)[len(NOTE_PREFIX) :] for c in comments if str(c).startswith(NOTE_PREFIX)]
            note = "\n".join(lines) or next((m.comment for m in clip.markers if m.comment), "")
        end = frames_to_seconds(first + length - clock.start_frames, clock.rate)
        marks.append(Mark(round(start, 6), round(end, 6) if is_range else None, clip.name, note))
    return marks


def _fcpxml_with_notes(text: str, marks: list[Mark]) -> str:
    """Add each mark's note to its FCPXML marker (in timeline order, one per clip)."""
    root = ElementTree.fromstring(text)
    markers = list(root.iter("marker"))
    if len(markers) != len(marks):
        raise ExportError("FCPXML: the markers written do not match the marks")
    for element, mark in zip(markers, marks, strict=True):
        if mark.note:
            element.set("note", mark.note)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + body + "\n"


def fcpxml_notes(text: str) -> list[str]:
    """The markers' notes of an FCPXML file, in order (what OpenTimelineIO does not read)."""
    return [element.get("note", "") for element in ElementTree.fromstring(text).iter("marker")]


def _csv_cell(text: str) -> str:
    # A cell starting like a formula would run as one in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def marks_csv(job: ExportJob, marks: list[Mark]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    clock = job.clock
    for number, mark in enumerate(marks, 1):
        end = mark.end
        writer.writerow(
            [
                _csv_cell(mark.name or f"Mark {number}"),
                clock.label(mark.start),
                clock.label(end) if end is not None else "",
                f"{mark.start:.3f}",
                f"{end:.3f}" if end is not None else "",
                _csv_cell(mark.note),
            ]
        )
    return out.getvalue()


def markers_text(job: ExportJob, fmt: str, marks: list[Mark]) -> str:
    """The marks as a file of format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "csv":
        return marks_csv(job, marks)
    timeline = marks_timeline(job, marks)
    try:
        if fmt == "edl":
            text = otio.adapters.write_to_string(
                timeline, "cmx_3600", rate=float(job.rate.fps), style="avid"
            )
        else:
            text = otio.adapters.write_to_string(timeline, _ADAPTERS[fmt])
    except (otio.exceptions.OTIOError, ValueError) as exc:
        raise ExportError(f"{job.name}: cannot write {fmt.upper()} ({exc})") from None
    return _fcpxml_with_notes(text, marks) if fmt == "fcpxml" else text


async def export_markers(
    job: ExportJob,
    output: Path,
    fmt: str | None = None,
    *,
    force: bool = False,
    on_progress: ProgressCallback | None = None,
) -> MarkersResult:
    """Write the job's marks to ``output`` as ``fmt`` (default: from the file's extension)."""
    fmt = fmt or EXTENSIONS.get(output.suffix.lower())
    if fmt not in FORMATS:
        raise UsageError(f"{output}: give --format ({', '.join(FORMATS)})")
    marks = job.marks()
    if not marks:
        raise UsageError(f"{job.job_dir}: the job has no marks to export")
    check_output_file(output, force)
    text = markers_text(job, fmt, marks)
    with staged_file(output, force) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
    if on_progress is not None:
        on_progress(1.0)
    return MarkersResult(output, fmt, len(marks))
