"""Upload → fan-out → results through the emulator (real handlers, real ffmpeg, real HTTP),
compared with the local backend's output."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

from PIL import Image

from core.cloud.follow import Follower, Polling
from core.cloud.keys import RESULTS_PREFIX, UPLOADS_PREFIX
from core.cloud.runner import STATE_NAME
from core.events import (
    JobFinished,
    JobProgress,
    JobStarted,
    OverviewAdded,
    SnippetFinished,
    SnippetStarted,
    UploadProgress,
)
from core.layout import MANIFEST_NAME
from core.manifest import DONE, Manifest, SourceInfo
from core.runner import LocalRunner
from core.settings import Settings

from .conftest import SETTINGS, make_runner


def _files(job_dir: Path) -> set[str]:
    return {
        p.relative_to(job_dir).as_posix()
        for p in job_dir.rglob("*")
        if p.is_file() and p.name != STATE_NAME
    }


def test_cloud_job_matches_the_local_backend(aws_env, named_clip, tmp_path):
    video = named_clip("clip a+b é.mp4")
    events: list = []
    cloud_dir = tmp_path / "cloud" / "job"
    manifest = asyncio.run(make_runner(events).run_job(video, cloud_dir))

    assert manifest.status == DONE, manifest.error
    local_dir = tmp_path / "local" / "job"
    local = asyncio.run(LocalRunner(SETTINGS, workers=2).run_job(video, local_dir))
    assert local.status == DONE

    assert _files(cloud_dir) == _files(local_dir)
    # Downloaded files get the modes of the user's umask, as local outputs do (not 0600).
    modes = {p: stat.S_IMODE((cloud_dir / p).stat().st_mode) for p in _files(cloud_dir)}
    assert modes == {p: stat.S_IMODE((local_dir / p).stat().st_mode) for p in _files(local_dir)}
    assert {"gifs/00000.gif", "gifs/00002.gif", "frames/000004.jpg", MANIFEST_NAME} <= _files(
        cloud_dir
    )
    saved = Manifest.load(cloud_dir)
    assert saved.backend == "lambda" and local.backend == "local"
    assert [(s.index, s.start, s.end, s.status, s.gif) for s in saved.snippets] == [
        (s.index, s.start, s.end, s.status, s.gif) for s in local.snippets
    ]
    assert saved.frames == local.frames
    # The overview is made here while the video uploads, as for a local job.
    assert saved.overview and saved.overview == local.overview
    shown = [p for e in events if isinstance(e, OverviewAdded) for p in e.pictures]
    assert sorted(shown, key=lambda p: p.t) == saved.overview
    assert saved.source.name == "clip a+b é.mp4"
    assert saved.source.path == local.source.path == str(video.absolute())
    assert saved.source.duration == local.source.duration
    with Image.open(cloud_dir / "gifs/00001.gif") as gif:
        assert gif.format == "GIF" and gif.size[0] == SETTINGS.gif_width
    with Image.open(cloud_dir / "frames/000003.jpg") as still:
        assert still.format == "JPEG" and still.size[0] == SETTINGS.frame_width

    # Two phases: upload progress first, then snippet progress; one start, one end.
    kinds = [type(e) for e in events]
    assert kinds[0] is JobStarted and kinds[-1] is JobFinished
    assert kinds.count(JobFinished) == 1
    first_upload = kinds.index(UploadProgress)
    first_snippet = kinds.index(SnippetStarted)
    assert first_upload < first_snippet
    uploads = [e for e in events if isinstance(e, UploadProgress)]
    assert uploads[-1].sent == uploads[-1].total == video.stat().st_size
    assert sorted(e.index for e in events if isinstance(e, SnippetFinished)) == [0, 1, 2]
    assert [e for e in events if isinstance(e, JobProgress)][-1].fraction == 1.0
    assert events[-1].status == DONE


def test_keys_with_spaces_plus_and_unicode_arrive_url_encoded(aws_env, named_clip, tmp_path, s3):
    name = "take 2 + final ü.mov"
    video = named_clip(name)
    job_dir = tmp_path / "job"
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == DONE

    aws_env.wait_idle()
    cloud_job = json.loads((job_dir / STATE_NAME).read_text())["cloud_job"]
    key = f"{UPLOADS_PREFIX}{cloud_job}/{name}"
    s3.head_object(Bucket=aws_env.model.buckets["UploadsBucket"], Key=key)
    delivered = [
        r["s3"]["object"]["key"]
        for i in aws_env.invocations
        if i.function == "SnippetsFunction"
        for r in i.event.get("Records", [])
        if cloud_job in r["s3"]["object"]["key"]
    ]
    # S3 sends keys URL-encoded (space → '+', '+' → '%2B'); the handler decodes them.
    assert delivered and delivered[0] != key
    assert "take+2+%2B+final+%C3%BC.mov" in delivered[0]


def test_s3_test_event_is_ignored(aws_env):
    test_events = [
        i
        for i in aws_env.invocations
        if i.function == "SnippetsFunction" and i.event.get("Event") == "s3:TestEvent"
    ]
    assert test_events, "S3 sends a test event when the notification is configured"
    assert all(i.ok and i.result == {"handled": []} for i in test_events)


def test_process_function_leaves_tmp_empty(aws_env, named_clip, tmp_path):
    asyncio.run(make_runner().run_job(named_clip("tmp-check.mp4"), tmp_path / "job"))
    aws_env.wait_idle()
    assert list(aws_env.function_tmp("ProcessFunction").iterdir()) == []


def test_results_bucket_writes_never_trigger_processing(aws_env, s3, clip5):
    results = aws_env.model.buckets["ResultsBucket"]
    before = sum(1 for i in aws_env.invocations if i.function == "SnippetsFunction")
    body = clip5.read_bytes()
    s3.put_object(Bucket=results, Key=f"{UPLOADS_PREFIX}stray-job/video.mp4", Body=body)
    s3.put_object(Bucket=results, Key=f"{RESULTS_PREFIX}stray-job/video.mp4", Body=body)
    aws_env.wait_idle()
    after = sum(1 for i in aws_env.invocations if i.function == "SnippetsFunction")
    assert after == before
    config = s3.get_bucket_notification_configuration(Bucket=results)
    assert not any(config.get(k) for k in ("QueueConfigurations", "LambdaFunctionConfigurations"))


def test_cloud_cli_run_is_reported_like_a_local_one(aws_env, named_clip, tmp_path, capsys):
    from core.cli import main

    video = named_clip("cli.mp4")
    out = tmp_path / "out"
    argv = ["process", "--backend", "lambda", "--stack", "framefan-test", "--json"]
    argv += ["--snippet-seconds", "2", "--out", str(out), str(video)]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out.strip())
    assert record["status"] == DONE and record["error"] is None
    manifest = Manifest.load(Path(record["manifest"]))
    assert manifest.backend == "lambda" and len(manifest.snippets) == 3
    assert Path(record["manifest"]).parent.parent == out


def test_the_part_looked_at_is_downloaded_first(tmp_path):
    source = SourceInfo(name="v.mp4", duration=10.0, width=160, height=120)
    manifest = Manifest.planned("job", source, Settings(snippet_seconds=2))
    focus: list[float | None] = [None]
    follower = Follower(
        None,  # type: ignore[arg-type]  # no results are read here
        "cloud-job",
        "run",
        "etag",
        manifest,
        tmp_path,
        lambda event: None,
        Polling(),
        focus=lambda: focus[0],
    )

    def order() -> list[int]:
        return [s.index for s in follower._first_looked_at(follower.unsettled())]

    assert order() == [0, 1, 2, 3, 4]
    focus[0] = 5.0  # in snippet 2: it, then those after it, then the rest
    assert order() == [2, 3, 4, 0, 1]
