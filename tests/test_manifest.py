"""The job manifest (round trip, atomic save, version checks, documented example) and the job
folder layout (safe, stable, non-colliding names)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.atomic import write_atomic
from core.errors import ManifestError
from core.layout import MANIFEST_NAME, frame_relpath, gif_relpath, job_dir_for, safe_job_name
from core.manifest import (
    CANCELLED,
    DONE,
    FAILED,
    MANIFEST_VERSION,
    PARTIAL,
    PENDING,
    RUNNING,
    Manifest,
    SourceInfo,
)
from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

SOURCE = SourceInfo(
    name="clip.mp4",
    duration=7.52,
    width=160,
    height=120,
    rotation=0,
    codec="h264",
    format="mov,mp4,m4a,3gp,3g2,mj2",
    fps=25.0,
    fingerprint="1234-5678",
)


def planned(**settings: object) -> Manifest:
    return Manifest.planned("clip-0123456789", SOURCE, Settings(snippet_seconds=3, **settings))


def test_planned_manifest_lists_every_snippet_pending() -> None:
    manifest = planned()
    assert manifest.version == MANIFEST_VERSION
    assert manifest.status == PENDING
    assert [(s.index, s.start, s.end, s.status) for s in manifest.snippets] == [
        (0, 0.0, 3.0, PENDING),
        (1, 3.0, 6.0, PENDING),
        (2, 6.0, 7.52, PENDING),
    ]
    assert manifest.frames == []


def test_frames_follow_the_snippets_that_are_done() -> None:
    manifest = planned()
    manifest.snippets[1].status = DONE
    manifest.refresh_frames()
    assert [(f.t, f.path) for f in manifest.frames] == [
        (3.0, "frames/000003.jpg"),
        (4.0, "frames/000004.jpg"),
        (5.0, "frames/000005.jpg"),
    ]
    assert planned(frames=False).frames == []


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([DONE, DONE, DONE], DONE),
        ([DONE, FAILED, DONE], PARTIAL),
        ([FAILED, FAILED, FAILED], FAILED),
        ([DONE, PENDING, FAILED], RUNNING),
        ([RUNNING, DONE, DONE], RUNNING),
    ],
)
def test_settled_status(statuses: list[str], expected: str) -> None:
    manifest = planned()
    for record, status in zip(manifest.snippets, statuses, strict=True):
        record.status = status
    assert manifest.settled_status() == expected
    assert manifest.counts()[DONE] == statuses.count(DONE)


def test_rejected_input_is_a_failed_job_with_its_message() -> None:
    manifest = Manifest.rejected("x-1", "notes.txt", Settings(), "notes.txt: it is a text file")
    assert manifest.status == FAILED
    assert manifest.error == "notes.txt: it is a text file"
    assert manifest.snippets == [] and manifest.source.duration is None
    assert manifest.settled_status() == FAILED


def test_round_trip_through_json(tmp_path: Path) -> None:
    manifest = planned(frame_interval=0.5, gif_fps=12)
    manifest.status = PARTIAL
    manifest.snippets[0].status, manifest.snippets[0].gif = DONE, gif_relpath(0)
    manifest.snippets[0].seconds = 0.25
    manifest.snippets[1].status, manifest.snippets[1].error = FAILED, "snippet 2: broken"
    manifest.refresh_frames()
    path = manifest.save(tmp_path)
    assert path == tmp_path / MANIFEST_NAME
    loaded = Manifest.load(tmp_path)
    assert loaded == manifest
    assert Manifest.load(path) == manifest
    assert Manifest.from_dict(json.loads(manifest.to_json())) == manifest


def test_saved_document_has_the_contract_fields(tmp_path: Path) -> None:
    manifest = planned()
    manifest.snippets[0].status, manifest.snippets[0].gif = DONE, gif_relpath(0)
    manifest.refresh_frames()
    data = json.loads(manifest.save(tmp_path).read_text(encoding="utf-8"))
    assert data["version"] == MANIFEST_VERSION
    assert {"name", "duration", "width", "height", "rotation", "codec", "format"} <= set(
        data["source"]
    )
    assert data["settings"] == Settings(snippet_seconds=3).to_dict()
    assert data["status"] in ("pending", "running", "done", "partial", "failed", "cancelled")
    assert {"index", "start", "end", "status", "gif", "error"} <= set(data["snippets"][0])
    assert data["frames"][0] == {"t": 0.0, "path": "frames/000000.jpg"}
    assert "error" in data
    # Paths are relative to the manifest's folder, with forward slashes.
    assert data["snippets"][0]["gif"] == "gifs/00000.gif"


def test_non_ascii_names_survive(tmp_path: Path) -> None:
    source = SourceInfo(name="Été à Kyōto 東京.mp4", duration=1.0)
    manifest = Manifest.planned("j", source, Settings())
    manifest.save(tmp_path)
    assert Manifest.load(tmp_path).source.name == "Été à Kyōto 東京.mp4"


def test_save_replaces_atomically_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    first = planned()
    first.save(tmp_path)
    second = planned()
    second.status = CANCELLED
    second.save(tmp_path)
    assert Manifest.load(tmp_path).status == CANCELLED
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_NAME]


def test_a_failed_write_keeps_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / MANIFEST_NAME
    write_atomic(path, b'{"old": true}')
    with pytest.raises(TypeError):
        write_atomic(path, "not bytes")  # type: ignore[arg-type]  # fails mid-write
    assert path.read_bytes() == b'{"old": true}'
    assert sorted(p.name for p in tmp_path.iterdir()) == [MANIFEST_NAME]


def test_write_atomic_creates_the_folder(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "file.bin"
    write_atomic(path, b"data")
    assert path.read_bytes() == b"data"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": 2}', "manifest version 2 is not supported (this FrameFan reads version 1)"),
        ("{}", "manifest version None is not supported"),
        ('{"version": "1"}', "manifest version '1' is not supported"),
        ("[1, 2]", "not a FrameFan manifest (not a JSON object)"),
        ('{"version": 1}', "job_id: is missing"),
        ("{not json", "cannot read the manifest"),
        ("\xff\xfe", "cannot read the manifest"),
    ],
)
def test_unreadable_manifests_raise_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / MANIFEST_NAME
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ManifestError) as caught:
        Manifest.load(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_invalid_content_is_named(tmp_path: Path) -> None:
    data = planned().to_dict()
    bad_status = {**data, "status": "exploded"}
    with pytest.raises(
        ManifestError, match=r"status: must be one of pending, .* \(got 'exploded'\)"
    ):
        Manifest.from_dict(bad_status)
    bad_snippet = json.loads(json.dumps(data))
    bad_snippet["snippets"][0]["status"] = "half"
    with pytest.raises(
        ManifestError, match=r"snippets\[0\]\.status: must be one of .* \(got 'half'\)"
    ):
        Manifest.from_dict(bad_snippet)
    bad_settings = {**data, "settings": {**data["settings"], "gif_fps": 0}}
    with pytest.raises(ManifestError, match="invalid settings: gif_fps must be between"):
        Manifest.from_dict(bad_settings)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no manifest found"):
        Manifest.load(tmp_path)


def _documented_examples() -> list[str]:
    doc = ROOT / "docs" / "manifest.md"
    assert doc.is_file(), "docs/manifest.md is missing"
    examples = re.findall(r"```json\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert examples, "docs/manifest.md shows no JSON example"
    return examples


def test_documented_examples_parse() -> None:
    manifests = [
        data
        for data in map(json.loads, _documented_examples())
        if isinstance(data, dict) and "version" in data and "job_id" in data
    ]
    assert manifests, "no complete manifest among the examples"
    for data in manifests:
        written = Manifest.from_dict(data, "docs/manifest.md").to_dict()
        for key, value in data.items():  # what the example shows is what is read and written
            if key in ("snippets", "frames", "overview"):
                for shown, kept in zip(value, written[key], strict=True):
                    assert {k: kept[k] for k in shown} == shown
            else:
                assert written[key] == value, key


# -- job folders ------------------------------------------------------------------------------


def test_layout_paths() -> None:
    assert gif_relpath(0) == "gifs/00000.gif"
    assert gif_relpath(123) == "gifs/00123.gif"
    assert frame_relpath(7) == "frames/000007.jpg"


@pytest.mark.parametrize(
    "name",
    [
        "holiday clip.mp4",
        "Été à Kyōto 東京.mov",
        "$(touch pwned).mp4",
        "-rf .mp4",
        "../../etc/passwd",
        "concat:a.mp4|b.mp4",
        "quote\"d's [1] (2).mkv",
        "%d%s.mp4",
        "....mp4",
        "東京.mp4",
        "x" * 300 + ".mp4",
    ],
)
def test_job_names_are_safe(name: str) -> None:
    job = safe_job_name(Path("/videos") / name)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", job), job
    assert not job.startswith(("-", "."))
    assert len(job) <= 72
    assert job == safe_job_name(Path("/videos") / name)  # stable: resuming finds it again


def test_job_name_keeps_a_readable_stem() -> None:
    assert safe_job_name("/videos/Holiday Clip.mp4").startswith("Holiday-Clip-")
    assert safe_job_name("/videos/Été.mp4").startswith("Ete-")
    assert safe_job_name("/videos/東京.mp4").startswith("video-")


def test_same_file_name_in_two_folders_gets_two_job_folders(tmp_path: Path) -> None:
    out = tmp_path / "out"
    one = job_dir_for(out, tmp_path / "a" / "clip.mp4")
    two = job_dir_for(out, tmp_path / "b" / "clip.mp4")
    assert one != two
    assert one.parent == two.parent == out
    assert one.name.startswith("clip-") and two.name.startswith("clip-")


def test_relative_and_absolute_paths_of_one_file_share_a_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert job_dir_for(Path("out"), "clip.mp4") == job_dir_for(Path("out"), tmp_path / "clip.mp4")


def test_explicit_key_names_the_job() -> None:
    assert safe_job_name("clip.mp4", key="uploads/1") == safe_job_name(
        "other/clip.mp4", key="uploads/1"
    )
    assert safe_job_name("clip.mp4", key="uploads/1") != safe_job_name("clip.mp4", key="uploads/2")


def test_fields_a_newer_writer_adds_are_ignored() -> None:
    data = json.loads(json.dumps(planned().to_dict()))
    data["source"]["color_space"] = "bt709"
    data["snippets"][0]["worker"] = "lambda-7"
    data["frames"] = [{"t": 0.0, "path": "frames/000000.jpg", "sharpness": 0.8}]
    manifest = Manifest.from_dict(data)
    assert manifest.source == planned().source
    assert manifest.snippets[0] == planned().snippets[0]
    assert manifest.frames[0].path == "frames/000000.jpg"


def test_a_record_that_is_not_an_object_is_named() -> None:
    data = json.loads(json.dumps(planned().to_dict()))
    data["snippets"][0] = "snippet"
    with pytest.raises(ManifestError, match=r"snippets\[0\]: must be an object \(got 'snippet'\)"):
        Manifest.from_dict(data)
