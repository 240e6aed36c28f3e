"""What one upload may cost: the stack's per-job limits, checked by the snippets function
before any event and by the desktop before uploading, with the same message; and one live
run per job, however many retries arrive."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.cloud.keys import RETRY, control_key
from core.cloud.limits import CloudLimits
from core.cloud.metadata import to_metadata
from core.cloud.records import SnippetResult
from core.cloud.runner import STATE_NAME
from core.cloud.runs import FAILED as RUN_FAILED
from core.cloud.runs import IGNORED, LIMIT, STARTED, JobRecords, RunRecord, is_live
from core.cloud.store import ResultsStore
from core.limits import Limits
from core.manifest import DONE, FAILED
from core.probe import MediaInfo
from core.remote_errors import remote_failure
from core.settings import Settings

from .conftest import SETTINGS, make_runner

UHD = MediaInfo(
    duration=36000.0, width=3840, height=2160, rotation=0, fps=30.0, codec="h264",
    format="mov,mp4,m4a,3gp,3g2,mj2", has_video=True, stream_index=0,
    coded_width=3840, coded_height=2160, pix_fmt="yuv420p",
)  # fmt: skip


def test_each_limit_names_its_parameter_and_what_to_change():
    limits = CloudLimits()
    tiny = MediaInfo(**{**UHD.__dict__, "width": 16, "height": 16, "coded_width": 16,
                        "coded_height": 16})  # fmt: skip
    one_second = Settings(snippet_seconds=1)
    assert (
        "36,000 snippets, more than the 1,500 allowed per job (stack parameter "
        "MaxSnippetsPerJob); use snippets of at least 24 s" in limits.check("x", tiny, one_second)
    )
    big = MediaInfo(**{**UHD.__dict__, "width": 8000, "height": 6000, "duration": 60.0})
    assert (
        "(48.0 megapixels), more than the 40 megapixels allowed (stack parameter "
        "MaxPixelsPerFrame)" in limits.check("x", big, Settings())
    )
    stills = Settings(snippet_seconds=30, frame_interval=0.5)
    assert "MaxStillsPerJob" in limits.check("x", tiny, stills)
    hour = MediaInfo(**{**tiny.__dict__, "duration": 3600.0})
    assert "MinSnippetSecondsLongVideos" in limits.check("x", hour, Settings(snippet_seconds=5))
    long_4k = MediaInfo(**{**UHD.__dict__, "duration": 3600.0})
    message = limits.check("x", long_4k, Settings(snippet_seconds=120))
    assert "cannot be rendered within the time limit" in message and "MaxSnippetSeconds" in message
    assert limits.snippet_seconds_for(long_4k) == 45  # a quarter of the 1080p length
    assert limits.check("x", long_4k, Settings(snippet_seconds=30)) is None


def test_limits_travel_through_the_stack_output():
    text = "MaxSnippetsPerJob=10;MaxPixelsPerFrame=1000;ProcessMemoryMB=3008"
    limits = CloudLimits.from_output(text)
    assert limits.max_snippets == 10 and limits.max_pixels == 1000
    assert limits.max_stills == CloudLimits().max_stills
    assert CloudLimits.from_output(None) is None
    assert CloudLimits.from_output("MaxSnippetsPerJob=lots") is None


def test_a_run_is_live_until_settled_or_stalled():
    run = RunRecord("r2", STARTED, "etag", started=1000.0, updated=1000.0, snippets=2, sent=(0, 1))
    done = SnippetResult(0, "done", "r1", "etag")
    failed = SnippetResult(1, "failed", "r2", "etag", error="x")
    assert is_live(run, JobRecords({0: done}, {0: 1001.0}), now=1010.0, stall=60)
    assert not is_live(run, JobRecords({0: done}, {0: 1001.0}), now=1100.0, stall=60)
    settled = JobRecords({0: done, 1: failed}, {0: 1001.0, 1: 1005.0})
    assert not is_live(run, settled, now=1010.0, stall=60)
    assert not is_live(run, JobRecords(), now=1010.0, stall=60, cancelled=True)
    planning = RunRecord("r3", STARTED, "etag", started=1000.0, updated=1000.0)
    assert is_live(planning, JobRecords(), now=1010.0, stall=60)


@pytest.mark.parametrize(
    ("log", "reason"),
    [
        (["Connection to tcp://x:443 failed: Connection refused"], "refused"),
        (["[tls @ 0x1] Error in the pull function.", "Input/output error"], "secure connection"),
        (["Server returned 503 Service Unavailable"], "503"),
        (["Server returned 403 Forbidden (access denied)"], "expired link"),
        (["moov atom not found", "Invalid data found when processing input"], None),
    ],
)
def test_network_failures_are_told_from_bad_content(log, reason):
    found = remote_failure(log)
    assert (found is None) if reason is None else (reason in found)


def _upload(aws_env, job: str, clip, settings: Settings, run: str = "r1") -> None:
    aws_env.client("s3").put_object(
        Bucket=aws_env.model.buckets["UploadsBucket"],
        Key=f"uploads/{job}/clip.mp4",
        Body=clip.read_bytes(),
        Metadata=to_metadata(settings, run),
    )


def _store(aws_env) -> ResultsStore:
    return ResultsStore(aws_env.client("s3"), aws_env.model.buckets["ResultsBucket"])


def _renders(aws_env, job: str) -> list:
    return [
        i
        for i in aws_env.invocations
        if i.function == "ProcessFunction" and i.event.get("detail", {}).get("job_id") == job
    ]


def test_the_snippets_function_refuses_a_job_over_a_limit_before_any_event(aws_env, clip5):
    aws_env.env_overrides["SnippetsFunction"] = {"MAX_SNIPPETS_PER_JOB": "3"}
    _upload(aws_env, "too-many-job", clip5, Settings(snippet_seconds=1))
    aws_env.wait_idle()
    store = _store(aws_env)
    manifest = store.manifest("too-many-job")
    assert manifest.status == FAILED
    assert manifest.error == (
        "clip.mp4: it would make 5 snippets, more than the 3 allowed per job (stack parameter "
        "MaxSnippetsPerJob); use snippets of at least 2 s"
    )
    run, _ = store.current_run("too-many-job")
    assert run.status == RUN_FAILED and run.kind == LIMIT and not run.retryable
    assert not _renders(aws_env, "too-many-job")


def test_the_desktop_refuses_it_before_uploading_with_the_same_message(
    aws_env, named_clip, tmp_path
):
    aws_env.set_outputs(JobLimits="MaxSnippetsPerJob=2")
    before = len(aws_env.invocations)
    manifest = asyncio.run(make_runner().run_job(named_clip("many.mp4"), tmp_path / "job"))
    assert manifest.status == FAILED
    assert manifest.error == (
        "many.mp4: it would make 3 snippets, more than the 2 allowed per job (stack parameter "
        "MaxSnippetsPerJob); use snippets of at least 3 s"
    )
    aws_env.wait_idle()
    assert len(aws_env.invocations) == before  # nothing was uploaded


def test_this_machines_own_limits_refuse_it_before_uploading(aws_env, named_clip, tmp_path):
    before = len(aws_env.invocations)
    runner = make_runner(limits=Limits(max_snippets=2))
    job_dir = tmp_path / "job"
    manifest = asyncio.run(runner.run_job(named_clip("mine.mp4"), job_dir))
    assert manifest.status == FAILED
    assert manifest.error.startswith("mine.mp4: it would make 3 snippets, more than the 2 ")
    assert "(max_snippets limit)" in manifest.error
    assert not job_dir.exists()  # refused before any work: no job folder, as locally
    aws_env.wait_idle()
    assert len(aws_env.invocations) == before  # nothing was uploaded


def test_retries_while_a_run_is_live_are_ignored(aws_env, clip5, ffmpeg, tmp_path):
    """Five retry objects dropped on a job while its run renders: each is ignored with a
    record saying which run it gave way to, and every snippet renders once."""
    slow = tmp_path / "slow-ffmpeg"
    slow.write_text(f'#!/bin/sh\ncase " $* " in *" -version "*) ;; *) sleep 1 ;; esac\n'
                    f'exec "{ffmpeg}" "$@"\n')  # fmt: skip
    slow.chmod(0o755)
    aws_env.env_overrides["ProcessFunction"] = {"FRAMEFAN_FFMPEG": str(slow)}
    job = "live-run-job"
    _upload(aws_env, job, clip5, SETTINGS, run="upload1")
    store = _store(aws_env)
    for _ in range(100):
        run, _ = store.current_run(job)
        if run is not None and run.sent is not None:
            break
        asyncio.run(asyncio.sleep(0.1))
    uploads = aws_env.model.buckets["UploadsBucket"]
    retries = [f"retry{n}" for n in range(5)]
    for run_id in retries:
        aws_env.client("s3").put_object(
            Bucket=uploads, Key=control_key(job, RETRY, run_id), Body=b""
        )
    aws_env.wait_idle(timeout=120)
    handled = [
        i.result["handled"][0]
        for i in aws_env.invocations
        if i.function == "SnippetsFunction" and i.ok and i.result["handled"]
        and i.result["handled"][0].get("job_id") == job and i.result["handled"][0]["run"] in retries
    ]  # fmt: skip
    assert len(handled) == 5
    # Ignored while the upload's run renders; once it is over, nothing is left to send.
    for result in handled:
        if result.get("ignored"):
            outcome = store.run_outcome(job, result["run"])
            assert outcome.status == IGNORED and outcome.live_run in {"upload1", *retries}
        else:
            assert result["sent"] == 0
    assert any(r.get("ignored") for r in handled)
    assert len(_renders(aws_env, job)) == 3  # one per snippet (105 before, on 20 snippets)


def test_a_retry_after_the_run_sends_only_what_is_not_done(aws_env, named_clip, tmp_path):
    video, job_dir = named_clip("partial-retry.mp4"), tmp_path / "job"
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == DONE
    aws_env.wait_idle()
    cloud_job = json.loads((job_dir / STATE_NAME).read_text())["cloud_job"]
    before = len(_renders(aws_env, cloud_job))
    for run_id in ("again1", "again2"):
        aws_env.client("s3").put_object(
            Bucket=aws_env.model.buckets["UploadsBucket"],
            Key=control_key(cloud_job, RETRY, run_id),
            Body=b"",
        )
    aws_env.wait_idle()
    assert len(_renders(aws_env, cloud_job)) == before  # everything was done
