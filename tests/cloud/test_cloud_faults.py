"""Faults that real AWS produces, reproduced with the emulator's chaos options and
overrides: each must end in a state that a rerun fixes."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from core.cloud.follow import Polling
from core.cloud.keys import CANCEL, control_key, record_key, upload_key
from core.cloud.records import DONE as RECORD_DONE
from core.cloud.runner import STATE_NAME
from core.cloud.sim.chaos import Chaos
from core.cloud.store import ResultsStore
from core.manifest import DONE, FAILED, PARTIAL

from .conftest import make_runner

# Faults injected through the emulator: each runs a job to a failure and back (CI runs them).
pytestmark = pytest.mark.slow


def _state(job_dir: Path) -> dict:
    return json.loads((job_dir / STATE_NAME).read_text())


def _renders(sim, cloud_job: str) -> list:
    return [
        i
        for i in sim.invocations
        if i.function == "ProcessFunction" and i.event.get("detail", {}).get("job_id") == cloud_job
    ]


def _store(sim) -> ResultsStore:
    return ResultsStore(sim.client("s3"), sim.model.buckets["ResultsBucket"])


def _wrapper(tmp_path: Path, ffmpeg: str, body: str) -> str:
    script = tmp_path / "ffmpeg-wrapper"
    script.write_text(f'#!/bin/sh\n{body}\nexec "{ffmpeg}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


# The render of snippet 1 (from 2 s) carries "PTS-2/TB" in its filter graph.
_SNIPPET_1 = 'for a in "$@"; do case "$a" in *"PTS-2/TB"*) {action};; esac; done'


def test_a_killed_render_is_recorded_failed_and_a_rerun_completes_it(aws_env, named_clip, tmp_path):
    aws_env.set_chaos(Chaos.parse(["crash-snippet=1"]))
    video, job_dir = named_clip("crash.mp4"), tmp_path / "job"

    first = asyncio.run(make_runner().run_job(video, job_dir))
    assert first.status == PARTIAL
    failed = {s.index: s.error for s in first.snippets if s.status == FAILED}
    assert list(failed) == [1]
    assert "failed after 3 attempts" in failed[1] and "killed" in failed[1]
    cloud_job = _state(job_dir)["cloud_job"]
    assert sum(1 for i in _renders(aws_env, cloud_job) if not i.ok) == 3  # 1 try + 2 retries

    again = asyncio.run(make_runner().run_job(video, job_dir))
    assert again.status == DONE
    assert (job_dir / "gifs/00001.gif").is_file()


def test_a_lost_event_is_given_up_recorded_and_retried(aws_env, named_clip, tmp_path):
    aws_env.set_chaos(Chaos.parse(["drop-event=2"]))
    # The cloud's stall window and the desktop's agree, as the stack output makes them.
    aws_env.env_overrides["SnippetsFunction"] = {"RUN_STALL_SECONDS": "4"}
    polling = Polling(first=0.2, longest=0.5, stall=5)
    video, job_dir = named_clip("dropped.mp4"), tmp_path / "job"

    first = asyncio.run(make_runner(polling=polling).run_job(video, job_dir))
    assert first.status == PARTIAL
    assert "no result from the cloud within 5 s" in first.snippets[2].error
    state = _state(job_dir)
    assert state["gave_up"] == state["run"]

    again = asyncio.run(make_runner(polling=polling).run_job(video, job_dir))
    assert again.status == DONE
    assert _state(job_dir)["run"] != state["run"]  # a retry, not the dead run again


def test_undeliverable_event_reaches_the_on_failure_handler(aws_env, named_clip, tmp_path):
    aws_env.set_chaos(Chaos.parse(["undeliverable-event=0"]))
    video, job_dir = named_clip("undelivered.mp4"), tmp_path / "job"
    first = asyncio.run(make_runner().run_job(video, job_dir))
    assert first.status == PARTIAL
    assert "could not be delivered" in first.snippets[0].error
    assert any(i.function == "FailureFunction" and i.ok for i in aws_env.invocations)
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == DONE


def test_a_network_error_while_rendering_is_retried_by_lambda(
    aws_env, named_clip, tmp_path, ffmpeg
):
    flag = tmp_path / "fail-once"
    flag.touch()
    action = f'rm -f "{flag}"; echo "Connection reset by peer" >&2; exit 1'
    body = f'if [ -e "{flag}" ]; then {_SNIPPET_1.format(action=action)}; fi'
    aws_env.env_overrides["ProcessFunction"] = {"FRAMEFAN_FFMPEG": _wrapper(tmp_path, ffmpeg, body)}
    video, job_dir = named_clip("flaky-network.mp4"), tmp_path / "job"
    manifest = asyncio.run(make_runner().run_job(video, job_dir))
    assert manifest.status == DONE
    renders = [i for i in _renders(aws_env, _state(job_dir)["cloud_job"]) if not i.ok]
    assert len(renders) == 1 and renders[0].error["errorType"] == "SourceUnreachableError"
    assert "X-Amz" not in renders[0].output  # the presigned URL stays out of the logs


def test_an_invocation_past_the_timeout_is_killed_and_recorded(aws_env, named_clip, tmp_path):
    # Shorter than a Python start: Lambda kills every attempt, as a hung render would be.
    aws_env.timeout_overrides["ProcessFunction"] = 0.3
    video, job_dir = named_clip("slow.mp4"), tmp_path / "job"
    manifest = asyncio.run(make_runner().run_job(video, job_dir))
    assert manifest.status == FAILED
    assert all("ran past the function's time limit" in s.error for s in manifest.snippets)
    renders = _renders(aws_env, _state(job_dir)["cloud_job"])
    assert len(renders) == 9 and all(not i.ok and i.seconds < 5 for i in renders)
    aws_env.timeout_overrides.clear()
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == DONE


def test_the_function_uses_the_templates_ffmpeg_and_no_other(aws_env, named_clip, tmp_path):
    aws_env.env_overrides["ProcessFunction"] = {"FRAMEFAN_FFMPEG": "/nonexistent/ffmpeg"}
    video, job_dir = named_clip("no-ffmpeg.mp4"), tmp_path / "job"
    manifest = asyncio.run(make_runner().run_job(video, job_dir))
    assert manifest.status == PARTIAL or manifest.status == FAILED
    errors = [s.error for s in manifest.snippets]
    assert all(e and "ffmpeg does not run at /nonexistent/ffmpeg" in e for e in errors), errors


def test_a_duplicate_event_after_a_cancel_keeps_the_snippet_done(aws_env, named_clip, tmp_path):
    aws_env.set_chaos(Chaos.parse(["duplicate-events"]))
    video, job_dir = named_clip("dup.mp4"), tmp_path / "job"
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == DONE
    aws_env.wait_idle()
    state = _state(job_dir)
    cloud_job, run = state["cloud_job"], state["run"]
    assert len(_renders(aws_env, cloud_job)) >= 6  # every event twice (at least)
    aws_env.client("s3").put_object(
        Bucket=aws_env.model.buckets["UploadsBucket"],
        Key=control_key(cloud_job, CANCEL, run),
        Body=b"",
    )
    aws_env.deliver("ProcessFunction", _renders(aws_env, cloud_job)[0].event)
    aws_env.wait_idle()
    store = _store(aws_env)
    records = [store.record(record_key(cloud_job, i)) for i in range(3)]
    assert [r.status for r in records] == [RECORD_DONE] * 3


def test_a_retry_after_the_upload_expired_uploads_it_again(aws_env, named_clip, tmp_path):
    aws_env.set_chaos(Chaos.parse(["crash-snippet=0"]))
    video, job_dir = named_clip("expired.mp4"), tmp_path / "job"
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == PARTIAL
    cloud_job = _state(job_dir)["cloud_job"]
    uploads = aws_env.model.buckets["UploadsBucket"]
    key = upload_key(cloud_job, video.name)
    aws_env.client("s3").delete_object(Bucket=uploads, Key=key)  # the lifecycle rule's work

    again = asyncio.run(make_runner().run_job(video, job_dir))
    assert again.status == DONE, again.error
    aws_env.client("s3").head_object(Bucket=uploads, Key=key)  # sent again


def test_an_unreachable_source_is_retried_not_rejected(aws_env, named_clip, tmp_path):
    # Nothing listens there: every network open of the probe fails, through all of
    # Lambda's retries; the job is not refused for good, and a rerun completes it.
    aws_env.env_overrides["SnippetsFunction"] = {
        "FRAMEFAN_MEDIA_ENDPOINT_URL": "https://127.0.0.1:9"
    }
    video, job_dir = named_clip("unreachable.mp4"), tmp_path / "job"
    first = asyncio.run(make_runner().run_job(video, job_dir))
    assert first.status == FAILED
    assert "could not start processing" in first.error and "could not be read" in first.error
    aws_env.env_overrides.clear()
    assert asyncio.run(make_runner().run_job(video, job_dir)).status == DONE


def test_a_probe_outage_does_not_fail_the_job(aws_env, named_clip, tmp_path):
    aws_env.set_chaos(Chaos.parse(["probe-outage=2"]))
    video, job_dir = named_clip("outage.mp4"), tmp_path / "job"
    manifest = asyncio.run(make_runner().run_job(video, job_dir))
    if manifest.status != DONE:  # at most one rerun
        manifest = asyncio.run(make_runner().run_job(video, job_dir))
    assert manifest.status == DONE, manifest.error
