"""A manifest is untrusted input: every value is checked on load, one ManifestError names
the file and the field, and whatever a job folder holds, reading it never hangs, reads
without bound or leaves the folder. Property-based tests (hypothesis) throw arbitrary JSON
at the reader."""

from __future__ import annotations

import json
import math
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ManifestError
from core.layout import MANIFEST_NAME, gif_relpath, overview_relpath
from core.manifest import (
    DONE,
    MANIFEST_MINOR,
    MAX_MANIFEST_BYTES,
    FrameRecord,
    Manifest,
    SourceInfo,
)
from core.plan import frame_indices, snippet_count
from core.safe_read import UnsafeFileError, read_job_file
from core.settings import Settings

SOURCE = SourceInfo(name="clip.mp4", duration=7.52, width=160, height=120, rotation=0, fps=25.0)


def valid() -> dict:
    manifest = Manifest.planned("clip-0123456789", SOURCE, Settings(snippet_seconds=3))
    manifest.snippets[0].status, manifest.snippets[0].gif = DONE, gif_relpath(0)
    manifest.refresh_frames()
    manifest.add_overview(
        [FrameRecord(3.5, overview_relpath(3500)), FrameRecord(0.0, overview_relpath(0))]
    )
    return json.loads(manifest.to_json())


def load_text(tmp_path: Path, text: str) -> Manifest:
    path = tmp_path / MANIFEST_NAME
    path.write_text(text, encoding="utf-8")
    return Manifest.load(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("source", "duration", math.nan), "source.duration: must be a finite number (got nan)"),
        (("source", "duration", math.inf), "source.duration: must be a finite number (got inf)"),
        (("source", "duration", 1e12), "source.duration: must be between 0 and 2678400"),
        (("source", "duration", 0), "source.duration: must be more than 0"),
        (("source", "width", 1.5), "source.width: must be a whole number (got 1.5)"),
        (("source", "rotation", 45), "source.rotation: must be one of 0, 90, 180, 270"),
        (("source", "name", None), "source.name: must not be null"),
        (("source", "name", "x" * 5000), "source.name: is too long (5000 characters"),
        (("source", "timecode", "1:00:00"), "source.timecode: must look like HH:MM:SS:FF"),
        (("source", "timecode", 10), "source.timecode: must be a string (got 10)"),
        (("snippets", 1, "start", "a"), "snippets[1].start: must be a number (got 'a')"),
        (("snippets", 1, "end", 99.0), "snippets[1]: must span a part of the video"),
        (("snippets", 1, "index", 7), "snippets[1].index: must be 1, its place in the list"),
        (("snippets", 0, "gif", "../../etc/passwd"), "snippets[0].gif: must look like gifs/"),
        (("snippets", 0, "error", {"a": 1}), "snippets[0].error: must be a string (got an object)"),
        (("frames", 0, "path", "/etc/passwd"), "frames[0].path: must look like frames/000000"),
        (("frames", 0, "t", 8.0), "frames[0].t: 8.0 is after the end of the video"),
        (("overview", 1, "path", "../../x.jpg"), "overview[1].path: must look like overview/"),
        (("overview", 1, "path", "overview/12.jpg"), "overview[1].path: must look like overview/"),
        (("overview", 0, "t", 9.0), "overview[0].t: 9.0 is after the end of the video"),
        (("overview", 0, "t", -1), "overview[0].t: must be between 0 and"),
        (("overview", {"t": 0}), "overview: must be a list (got an object)"),
        (("error", ["x"]), "error: must be a string (got a list)"),
        (("minor", -1), "minor: must be between 0 and"),
        (("backend", "../x"), "backend: must look like a name"),
        (("settings", "gif_fps", math.nan), "invalid settings: gif_fps must be a finite number"),
        (("settings", []), "settings: must be an object"),
    ],
)
def test_every_field_is_checked_and_named(tmp_path: Path, change: tuple, message: str) -> None:
    data = valid()
    *where, key, value = change
    target = data
    for step in where:
        target = target[step]
    target[key] = value
    path = tmp_path / MANIFEST_NAME
    path.write_text(json.dumps(data), encoding="utf-8")  # NaN and Infinity as Python writes them
    with pytest.raises(ManifestError) as caught:
        Manifest.load(path)
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_counts_are_bounded_by_the_duration_and_settings() -> None:
    data = valid()
    data["snippets"] += [dict(data["snippets"][-1]) for _ in range(3)]
    with pytest.raises(ManifestError, match=r"snippets: has 6 entries, more than the 4"):
        Manifest.from_dict(data)
    data = valid()
    data["frames"] = [{"t": 0.0, "path": "frames/000000.jpg"}] * 10
    with pytest.raises(ManifestError, match=r"frames: has 10 entries, more than the 9"):
        Manifest.from_dict(data)
    data = valid()
    data["overview"] = [{"t": 0.0, "path": "overview/000000000.jpg"}] * 78
    with pytest.raises(ManifestError, match=r"overview: has 78 entries, more than the 77"):
        Manifest.from_dict(data)


def test_overview_pictures_are_read_back_sorted_by_time() -> None:
    data = valid()
    assert [p["t"] for p in data["overview"]] == [0.0, 3.5]  # written sorted
    data["overview"].reverse()
    manifest = Manifest.from_dict(data)
    assert manifest.overview == [
        FrameRecord(0.0, "overview/000000000.jpg"),
        FrameRecord(3.5, "overview/000003500.jpg"),
    ]
    del data["overview"]  # written before minor 2
    assert Manifest.from_dict(data).overview == []


def test_a_snippet_says_which_side_rendered_it_only_in_a_hybrid_job() -> None:
    data = valid()
    assert all("backend" not in s for s in data["snippets"])  # left out when not known
    data["backend"] = "hybrid"
    data["snippets"][0]["backend"] = "lambda"
    manifest = Manifest.from_dict(data)
    assert manifest.snippets[0].backend == "lambda"
    assert manifest.to_dict()["snippets"][0]["backend"] == "lambda"
    data["snippets"][0]["backend"] = "mainframe"
    with pytest.raises(ManifestError, match="backend"):
        Manifest.from_dict(data)


def test_a_deeply_nested_manifest_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read the manifest"):
        load_text(tmp_path, '{"version": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")


def test_minor_is_written_and_any_minor_with_unknown_fields_is_read(tmp_path: Path) -> None:
    data = valid()
    assert data["minor"] == MANIFEST_MINOR == 3
    data["minor"] = 7
    data["chapters"] = [{"t": 0.0, "title": "Intro"}]
    data["source"]["timecode"] = "01:00:00;02"
    data["source"]["color_space"] = "bt709"
    manifest = Manifest.from_dict(data)
    assert manifest.source.name == "clip.mp4"
    del data["minor"]  # written before minors existed
    assert Manifest.from_dict(data).snippets == manifest.snippets


@pytest.mark.parametrize("timecode", ["00:00:00:00", "01:00:00;02", "23:59:59:29", None])
def test_source_timecode_is_accepted(timecode: str | None) -> None:
    data = valid()
    data["source"]["timecode"] = timecode
    Manifest.from_dict(data)


# -- arbitrary input ------------------------------------------------------------------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


def paths_of(data, prefix=()):
    """Every place in a JSON document, as a key path."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from paths_of(value, (*prefix, index))


PLACES = list(paths_of(valid()))[1:]


def check_invariants(manifest: Manifest) -> None:
    """What painting and planning code may rely on in any manifest that loads."""
    duration = manifest.source.duration
    if manifest.snippets:
        assert duration is not None and math.isfinite(duration) and duration > 0
        assert len(manifest.snippets) <= snippet_count(duration, manifest.settings) + 1
        assert len(manifest.frames) <= len(frame_indices(0, duration, manifest.settings)) + 1
    for n, snippet in enumerate(manifest.snippets):
        assert snippet.index == n
        assert 0 <= snippet.start < snippet.end <= (duration or 0) + 1e-6
    for frame in manifest.frames:
        assert math.isfinite(frame.t) and frame.path.startswith("frames/")
    for value in (manifest.error, manifest.source.name, manifest.job_id):
        assert value is None or (isinstance(value, str) and len(value) <= 4096)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(place=st.sampled_from(PLACES), value=JSON)
def test_any_value_anywhere_loads_sound_or_is_refused(place: tuple, value: object) -> None:
    data = valid()
    target = data
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    try:
        manifest = Manifest.from_dict(json.loads(json.dumps(data)))
    except ManifestError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 600
        return
    check_invariants(manifest)


@settings(max_examples=200, deadline=None)
@given(document=JSON)
def test_any_json_document_loads_sound_or_is_refused(document: object) -> None:
    try:
        manifest = Manifest.from_dict(document)
    except ManifestError:
        return
    check_invariants(manifest)


@settings(max_examples=100, deadline=None)
@given(raw=st.binary(max_size=200))
def test_any_bytes_are_refused_with_a_message(tmp_path_factory, raw: bytes) -> None:
    folder = tmp_path_factory.mktemp("bytes")
    (folder / MANIFEST_NAME).write_bytes(raw)
    with pytest.raises(ManifestError):
        Manifest.load(folder)


# -- what the file is -----------------------------------------------------------------------


def load_within(seconds: float, path: Path) -> BaseException | Manifest:
    """Load in a thread and give up after ``seconds``: a read that blocks fails the test
    instead of hanging it."""
    result: list[object] = []
    thread = threading.Thread(
        target=lambda: result.append(_try(lambda: Manifest.load(path))), daemon=True
    )
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"loading {path} blocked"
    return result[0]  # type: ignore[return-value]


def _try(call):
    try:
        return call()
    except BaseException as exc:
        return exc


def test_a_manifest_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / MANIFEST_NAME)
    error = load_within(5, tmp_path)
    assert isinstance(error, ManifestError)
    assert "a named pipe (FIFO), not a regular file" in str(error)


def test_a_manifest_linked_to_a_device_is_not_read(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_NAME).symlink_to("/dev/zero")
    error = load_within(5, tmp_path)
    assert isinstance(error, ManifestError)
    assert "a link to a file outside the job folder (/dev/zero)" in str(error)


def test_a_manifest_linked_out_of_its_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text(json.dumps(valid()))
    job = tmp_path / "job"
    job.mkdir()
    (job / MANIFEST_NAME).symlink_to(outside)
    with pytest.raises(ManifestError, match="a link to a file outside the job folder"):
        Manifest.load(job)
    (job / "real.json").write_text(json.dumps(valid()))  # a link inside the folder is fine
    (job / MANIFEST_NAME).unlink()
    (job / MANIFEST_NAME).symlink_to("real.json")
    assert Manifest.load(job).job_id == "clip-0123456789"


def test_a_huge_manifest_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    with path.open("wb") as handle:
        handle.truncate(MAX_MANIFEST_BYTES + 1)  # sparse: no disk, no time
    with pytest.raises(ManifestError, match=r"too large \(128 MB, at most 128 MB\)"):
        Manifest.load(path)


def test_safe_reads_stop_at_the_limit_and_refuse_folders(tmp_path: Path) -> None:
    (tmp_path / "small").write_bytes(b"12345")
    assert read_job_file(tmp_path / "small", within=tmp_path, limit=5) == b"12345"
    with pytest.raises(UnsafeFileError, match="too large"):
        read_job_file(tmp_path / "small", within=tmp_path, limit=4)
    (tmp_path / "folder").mkdir()
    with pytest.raises(UnsafeFileError, match="a folder, not a regular file"):
        read_job_file(tmp_path / "folder", within=tmp_path, limit=5)
    with pytest.raises(FileNotFoundError):
        read_job_file(tmp_path / "missing", within=tmp_path, limit=5)
