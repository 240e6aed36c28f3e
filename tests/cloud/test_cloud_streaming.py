"""The streamed cloud path through the emulator: a video sent as segments (each rendered
as it arrives, checked against the job's plan first), resumed after an interruption, and a
video processed in place from a source bucket."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from core.cloud.jobplan import S3, SEGMENTS, JobPlan
from core.cloud.keys import (
    SEGMENT,
    parse_upload_key,
    plan_key,
    segment_key,
    segments_prefix,
    upload_key,
)
from core.cloud.metadata import segment_metadata, to_metadata
from core.cloud.runner import STATE_NAME
from core.cloud.s3source import list_folder
from core.events import SnippetFinished, UploadPlanned, UploadProgress
from core.layout import MANIFEST_NAME, OVERVIEW_DIR
from core.manifest import DONE, FAILED, Manifest
from core.probe import probe
from core.runner import LocalRunner

from .. import media
from .conftest import SETTINGS, SOURCE_BUCKET, make_runner


def _fresh(make_video, spec: media.Spec, folder: Path) -> Path:
    """A copy of a test video of its own: a new version, so a new cloud job."""
    copy = folder / "in" / spec.filename
    copy.parent.mkdir()
    shutil.copyfile(make_video(spec), copy)
    return copy


def _files(job_dir: Path) -> set[str]:
    """The snippets' outputs. The overview pass stops when the renders end, so how many
    overview pictures a job keeps depends on timing: see :func:`_overview_as_listed`."""
    return {
        p.relative_to(job_dir).as_posix()
        for p in job_dir.rglob("*")
        if p.is_file()
        and p.name not in (STATE_NAME, MANIFEST_NAME)
        and p.relative_to(job_dir).parts[0] != OVERVIEW_DIR
    }


def _overview_as_listed(job_dir: Path, manifest: Manifest) -> None:
    on_disk = {p.relative_to(job_dir).as_posix() for p in (job_dir / OVERVIEW_DIR).glob("*")}
    assert {picture.path for picture in manifest.overview} <= on_disk


def _cloud_job(job_dir: Path) -> str:
    return json.loads((job_dir / STATE_NAME).read_text())["cloud_job"]


def _keys(s3, bucket: str, prefix: str) -> dict[str, int]:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents") or []
    return {item["Key"]: item["Size"] for item in listing}


def test_segments_render_like_the_local_backend_and_no_whole_file_is_sent(
    aws_env, make_video, tmp_path, s3
):
    video = _fresh(make_video, media.NOISY_SHORT_GOP_MP4, tmp_path)
    settings = replace(SETTINGS, snippet_seconds=3)
    events: list = []
    job_dir = tmp_path / "cloud"
    runner = make_runner(events, upload="auto", settings=settings)
    manifest = asyncio.run(runner.run_job(video, job_dir))
    assert manifest.status == DONE, manifest.error
    (planned,) = [e for e in events if isinstance(e, UploadPlanned)]
    assert planned.mode == SEGMENTS and "2 segments" in planned.reason
    local = asyncio.run(LocalRunner(settings, workers=2).run_job(video, tmp_path / "local"))
    assert _files(job_dir) == _files(tmp_path / "local")
    for relpath in _files(job_dir):
        assert (job_dir / relpath).read_bytes() == (tmp_path / "local" / relpath).read_bytes()
    _overview_as_listed(job_dir, manifest)
    _overview_as_listed(tmp_path / "local", local)
    assert [(s.start, s.end, s.status) for s in manifest.snippets] == [
        (s.start, s.end, s.status) for s in local.snippets
    ]
    uploads = aws_env.model.buckets["UploadsBucket"]
    sent = _keys(s3, uploads, f"uploads/{_cloud_job(job_dir)}/")
    assert plan_key(_cloud_job(job_dir)) in sent
    segments = {k: v for k, v in sent.items() if "/segments/" in k}
    assert len(segments) == 2 and upload_key(_cloud_job(job_dir), video.name) not in sent
    # From the keyframe before each snippet to 8 pictures (0.32 s) past it: a little more
    # than the file (with 30 s snippets, 1-2 % more).
    assert 1.0 < sum(segments.values()) / video.stat().st_size < 1.2
    progress = [e for e in events if isinstance(e, UploadProgress)]
    assert progress and progress[-1].sent == sum(segments.values())


@pytest.mark.slow
def test_each_segment_starts_its_render_while_the_next_ones_upload(aws_env, make_video, tmp_path):
    video = _fresh(make_video, media.NOISY_SMALL_MP4, tmp_path)
    events: list = []
    uploaded_at: list[float] = []

    def sink(event) -> None:
        events.append(event)
        if isinstance(event, UploadProgress):
            uploaded_at.append(time.monotonic())

    # About 5 s a segment: the last one is sent well after the first render began.
    runner = make_runner(None, upload="segments", upload_limit_mbps=0.5, on_event=sink)
    manifest = asyncio.run(runner.run_job(video, tmp_path / "job"))
    assert manifest.status == DONE, manifest.error
    renders = [i for i in aws_env.invocations if i.function == "ProcessFunction"]
    first_render = min(i.started for i in renders[-3:])
    assert first_render < uploaded_at[-1]


@pytest.mark.slow
def test_an_interrupted_upload_resumes_at_the_first_segment_missing(aws_env, make_video, tmp_path):
    """Stopped after the first segment is in S3: the rerun sends the others only, and the
    snippet already rendered is not rendered again."""
    video = _fresh(make_video, media.NOISY_SMALL_MP4, tmp_path)
    job_dir = tmp_path / "job"

    async def first_run() -> None:
        done = asyncio.Event()

        def sink(event) -> None:
            if isinstance(event, SnippetFinished):
                done.set()

        runner = make_runner(None, upload="segments", upload_limit_mbps=0.5, on_event=sink)
        task = asyncio.ensure_future(runner.run_job(video, job_dir))
        await asyncio.wait_for(done.wait(), 120)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(first_run())
    state = json.loads((job_dir / STATE_NAME).read_text())
    first_sent = set(state["segments"])
    assert 1 <= len(first_sent) < 3
    done_first = {s.index for s in Manifest.load(job_dir).snippets if s.status == DONE}
    assert done_first
    aws_env.wait_idle()
    before = len(aws_env.invocations)

    manifest = asyncio.run(make_runner(upload="segments").run_job(video, job_dir))
    assert manifest.status == DONE, manifest.error
    aws_env.wait_idle()
    later = aws_env.invocations[before:]
    keys = [
        parse_upload_key(unquote_plus(r["s3"]["object"]["key"]))
        for i in later
        if i.function == "SnippetsFunction"
        for r in (i.event or {}).get("Records", [])
    ]
    sent_again = {k.index for k in keys if k.kind == SEGMENT}
    assert sent_again == {0, 1, 2} - first_sent
    rendered = [
        i.event["detail"]["snippet"]["index"]
        for i in later
        if i.function == "ProcessFunction" and i.ok and not (i.result or {}).get("skipped")
    ]
    assert not set(rendered) & done_first
    assert len(rendered) == len(set(rendered))


def _put_plan(s3, bucket: str, job: str, plan: JobPlan, run: str = "r1") -> str:
    answer = s3.put_object(
        Bucket=bucket, Key=plan_key(job), Body=plan.to_json(), Metadata=to_metadata(SETTINGS, run)
    )
    return answer["ETag"].strip('"')


def _wait(condition, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_segments_are_checked_against_the_plan_before_any_render(aws_env, make_video, s3, tmp_path):
    video = make_video(media.STEP_SHORT_GOP_MP4)
    info = asyncio.run(probe(video))
    uploads, results = (aws_env.model.buckets[k] for k in ("UploadsBucket", "ResultsBucket"))
    job = "forged-segments-1"
    etag = _put_plan(s3, uploads, job, JobPlan(SEGMENTS, "clip.mp4", media=info))
    _wait(lambda: _keys(s3, results, f"results/{job}/manifest.json"))
    before = sum(1 for i in aws_env.invocations if i.function == "ProcessFunction")
    meta = segment_metadata(etag, "r1")
    # Not a video; a real MOV of another picture size; a snippet the plan does not have.
    s3.put_object(Bucket=uploads, Key=segment_key(job, 0, ".mov"), Body=b"hello\n", Metadata=meta)
    other = make_video(media.Spec("other-size.mov", "testsrc2=s=96x64:r=25:d=3"))
    s3.put_object(
        Bucket=uploads, Key=segment_key(job, 1, ".mov"), Body=other.read_bytes(), Metadata=meta
    )
    s3.put_object(
        Bucket=uploads, Key=segment_key(job, 7, ".mov"), Body=video.read_bytes(), Metadata=meta
    )
    aws_env.wait_idle()
    records = {
        int(k.rsplit("/", 1)[1][:5]): json.loads(
            s3.get_object(Bucket=results, Key=k)["Body"].read()
        )
        for k in _keys(s3, results, f"results/{job}/snippets/")
    }
    assert set(records) == {0, 1}
    assert records[0]["status"] == FAILED and "it is a text file" in records[0]["error"]
    assert records[1]["status"] == FAILED and "the plan says h264 160×120" in records[1]["error"]
    assert sum(1 for i in aws_env.invocations if i.function == "ProcessFunction") == before


def test_a_plan_over_the_limits_is_refused_before_any_segment(aws_env, make_video, s3):
    video = make_video(media.STEP_SHORT_GOP_MP4)
    info = asyncio.run(probe(video))
    huge = info.__class__(**{**info.__dict__, "width": 9000, "height": 6000})
    uploads, results = (aws_env.model.buckets[k] for k in ("UploadsBucket", "ResultsBucket"))
    _put_plan(s3, uploads, "forged-plan-2", JobPlan(SEGMENTS, "clip.mp4", media=huge))
    raw = _wait(lambda: _keys(s3, results, "results/forged-plan-2/manifest.json"))
    assert raw
    manifest = json.loads(
        s3.get_object(Bucket=results, Key="results/forged-plan-2/manifest.json")["Body"].read()
    )
    assert manifest["status"] == FAILED and "MaxPixelsPerFrame" in manifest["error"]


def test_a_video_in_a_source_bucket_is_processed_in_place(aws_env, named_clip, s3, tmp_path):
    video = named_clip("shot 1.mp4")
    s3.put_object(Bucket=SOURCE_BUCKET, Key="day 1/shot 1.mp4", Body=video.read_bytes())
    assert [v.key for v in list_folder(s3, SOURCE_BUCKET, "day 1").videos] == ["day 1/shot 1.mp4"]
    events: list = []
    job_dir = tmp_path / "job"
    uri = f"s3://{SOURCE_BUCKET}/day 1/shot 1.mp4"
    manifest = asyncio.run(make_runner(events, upload="auto").run_job(uri, job_dir))
    assert manifest.status == DONE, manifest.error
    assert [e.mode for e in events if isinstance(e, UploadPlanned)] == ["none"]
    assert manifest.source.name == "shot 1.mp4" and manifest.source.path is None
    # Nothing of the video is here to make an overview from: the rest is as a local job's.
    here = LocalRunner(SETTINGS, workers=2, overview=False)
    local = asyncio.run(here.run_job(video, tmp_path / "local"))
    assert _files(job_dir) == _files(tmp_path / "local")
    sent = _keys(s3, aws_env.model.buckets["UploadsBucket"], f"uploads/{_cloud_job(job_dir)}/")
    assert list(sent) == [plan_key(_cloud_job(job_dir))]
    assert local.status == DONE
    # Run again: everything is there; nothing is rendered or downloaded again.
    aws_env.wait_idle()
    before, stamps = (
        len(aws_env.invocations),
        {p: p.stat().st_mtime_ns for p in job_dir.rglob("*.gif")},
    )
    assert asyncio.run(make_runner(upload="auto").run_job(uri, job_dir)).status == DONE
    aws_env.wait_idle()
    assert not [i for i in aws_env.invocations[before:] if i.function == "ProcessFunction"]
    assert stamps == {p: p.stat().st_mtime_ns for p in job_dir.rglob("*.gif")}


def test_only_the_stacks_source_buckets_are_read_in_place(aws_env, named_clip, s3, tmp_path):
    video = named_clip("elsewhere.mp4")
    s3.create_bucket(Bucket="not-a-source")
    s3.put_object(Bucket="not-a-source", Key="elsewhere.mp4", Body=video.read_bytes())
    uri = "s3://not-a-source/elsewhere.mp4"
    manifest = asyncio.run(make_runner().run_job(uri, tmp_path / "job"))
    assert manifest.status == FAILED
    assert "not one of the stack's source buckets" in manifest.error
    assert "SourceBuckets" in manifest.error
    # A plan naming it anyway, or naming a changed object, is refused by the function.
    uploads, results = (aws_env.model.buckets[k] for k in ("UploadsBucket", "ResultsBucket"))
    head = s3.head_object(Bucket="not-a-source", Key="elsewhere.mp4")
    forged = JobPlan(S3, "elsewhere.mp4", bucket="not-a-source", key="elsewhere.mp4",
                     etag=head["ETag"].strip('"'))  # fmt: skip
    _put_plan(s3, uploads, "forged-source-3", forged)
    s3.put_object(Bucket=SOURCE_BUCKET, Key="moved.mp4", Body=video.read_bytes())
    stale = JobPlan(S3, "moved.mp4", bucket=SOURCE_BUCKET, key="moved.mp4", etag="0" * 32)
    _put_plan(s3, uploads, "forged-source-4", stale)
    for job, words in (("forged-source-3", "SourceBuckets"), ("forged-source-4", "has changed")):
        key = f"results/{job}/manifest.json"
        _wait(lambda key=key: _keys(s3, results, key))
        found = json.loads(s3.get_object(Bucket=results, Key=key)["Body"].read())
        assert found["status"] == FAILED and words in found["error"]
    assert not _keys(s3, uploads, segments_prefix("forged-source-3"))


def test_a_segment_taken_by_this_machine_stops_uploading_and_the_rest_go_on(
    aws_env, make_video, s3, tmp_path
):
    from core.cloud.segment_upload import SegmentUpload, SegmentUploader
    from core.cloud.throttle import RateLimit
    from core.input_safety import as_source
    from core.manifest import SnippetRecord
    from core.plan import plan

    video = make_video(media.NOISY_SMALL_MP4)
    info = asyncio.run(probe(video))
    snippets = [SnippetRecord(s.index, s.start, s.end) for s in plan(info.duration, SETTINGS)]
    uploads = aws_env.model.buckets["UploadsBucket"]
    holder: dict = {}

    def taken_while_uploading(_sent: int, _total: int) -> None:
        uploader = holder["uploader"]
        if 0 in uploader.in_flight:
            uploader.drop(0)  # this machine took snippet 0 as its segment began to go up

    job = SegmentUpload(
        as_source(video), info, snippets, s3, uploads, "drop-job-1", "plan-etag", "r1",
        ".mov", tmp_path / "work", limit=RateLimit(2.0), on_progress=taken_while_uploading,
    )  # fmt: skip
    uploader = holder["uploader"] = SegmentUploader(job)
    asyncio.run(uploader.run())
    assert job.uploaded == {1, 2} and uploader.dropped == {0}
    sent = _keys(s3, uploads, segments_prefix("drop-job-1"))
    assert sorted(k.rsplit("/", 1)[1] for k in sent) == ["00001.mov", "00002.mov"]
    assert not (tmp_path / "work").exists()
