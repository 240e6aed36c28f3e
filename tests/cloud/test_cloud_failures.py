"""Failures in the cloud: a failing snippet and its retry, cancel, redelivered S3 events,
bad settings and absurd durations."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from core.cloud.keys import CANCEL, RETRY, control_key, records_prefix, results_prefix
from core.cloud.metadata import to_metadata
from core.cloud.runner import STATE_NAME
from core.cloud.store import ResultsStore
from core.events import SnippetFinished, SnippetStarted
from core.manifest import CANCELLED, DONE, FAILED, PARTIAL, Manifest
from core.settings import Settings

from .conftest import SETTINGS, make_runner


def _wrapper(tmp_path: Path, ffmpeg: str, body: str) -> str:
    """An ffmpeg stand-in that runs ``body`` (sh) before exec'ing the real ffmpeg."""
    script = tmp_path / "ffmpeg-wrapper"
    script.write_text(f'#!/bin/sh\n{body}\nexec "{ffmpeg}" "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def _cloud_job(job_dir: Path) -> str:
    return json.loads((job_dir / STATE_NAME).read_text())["cloud_job"]


def _process_runs(sim, cloud_job: str) -> list:
    return [
        i
        for i in sim.invocations
        if i.function == "ProcessFunction" and i.event.get("detail", {}).get("job_id") == cloud_job
    ]


def test_failed_snippet_gives_partial_then_retry_completes_it(
    aws_env, named_clip, tmp_path, ffmpeg
):
    # The render of snippet 1 (which starts at 2 s) fails once, as a full /tmp would.
    flag = tmp_path / "fail-once"
    flag.touch()
    # The render's filter graph moves the GIF's clock to the snippet's start: "PTS-2/TB".
    body = (
        f'if [ -e "{flag}" ]; then for a in "$@"; do case "$a" in *"PTS-2/TB"*) '
        f'rm -f "{flag}"; echo "No space left on device" >&2; exit 1;; esac; done; fi'
    )
    aws_env.env_overrides["ProcessFunction"] = {"FRAMEFAN_FFMPEG": _wrapper(tmp_path, ffmpeg, body)}
    video, job_dir = named_clip("flaky.mp4"), tmp_path / "job"

    first = asyncio.run(make_runner().run_job(video, job_dir))
    assert first.status == PARTIAL
    failed = [s for s in first.snippets if s.status == FAILED]
    assert [s.index for s in failed] == [1]
    assert "No space left on device" in failed[0].error
    assert "snippet 2" in failed[0].error
    assert Manifest.load(job_dir).status == PARTIAL
    assert not (job_dir / "gifs/00001.gif").exists()

    cloud_job = _cloud_job(job_dir)
    aws_env.wait_idle()
    renders_before = len(_process_runs(aws_env, cloud_job))
    events: list = []
    second = asyncio.run(make_runner(events).run_job(video, job_dir))
    assert second.status == DONE
    assert (job_dir / "gifs/00001.gif").is_file()
    run = json.loads((job_dir / STATE_NAME).read_text())["run"]
    s3 = aws_env.client("s3")
    s3.head_object(
        Bucket=aws_env.model.buckets["UploadsBucket"], Key=control_key(cloud_job, RETRY, run)
    )
    # Only the failed snippet was rendered again and downloaded again.
    aws_env.wait_idle()
    assert len(_process_runs(aws_env, cloud_job)) == renders_before + 1
    assert [e.index for e in events if isinstance(e, SnippetFinished)] == [1]


def _held_ffmpeg(tmp_path: Path, ffmpeg: str) -> tuple[str, Path, Path]:
    """An ffmpeg for the process function that says it started (a file per call in the
    folder returned) and then waits for the release file to appear."""
    started, release = tmp_path / "started", tmp_path / "release"
    started.mkdir()
    # The shell's own deadline (2 min) only keeps a broken test from hanging forever.
    body = (
        f'case " $* " in *" -version "*) ;; *) touch "{started}/$$"; n=0; '
        f'while [ ! -e "{release}" ] && [ $n -lt 1200 ]; do sleep 0.1; n=$((n+1)); done;; esac'
    )
    return _wrapper(tmp_path, ffmpeg, body), started, release


async def _until(condition, what: str, within: float = 120) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, what
        await asyncio.sleep(0.05)


@pytest.mark.slow
def test_cancel_lets_rendering_snippets_finish_and_a_rerun_completes_it(
    aws_env, named_clip, tmp_path, ffmpeg
):
    # Both workers hold a snippet's render until the cancel has landed; the third waits.
    wrapper, started, release = _held_ffmpeg(tmp_path, ffmpeg)
    aws_env.env_overrides["ProcessFunction"] = {"FRAMEFAN_FFMPEG": wrapper}
    video, job_dir = named_clip("cancel me.mp4"), tmp_path / "job"
    events: list = []

    async def run_and_cancel() -> None:
        task = asyncio.ensure_future(make_runner(events).run_job(video, job_dir))
        await _until(
            lambda: (
                any(isinstance(e, SnippetStarted) for e in events)
                and len(list(started.iterdir())) >= 2
            ),
            "two snippets never started rendering",
        )
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run_and_cancel())
    release.touch()
    assert Manifest.load(job_dir).status == CANCELLED
    assert events[-1].status == CANCELLED
    cloud_job = _cloud_job(job_dir)
    state = json.loads((job_dir / STATE_NAME).read_text())
    assert state["cancelled"] is True
    s3 = aws_env.client("s3")
    s3.head_object(
        Bucket=aws_env.model.buckets["UploadsBucket"],
        Key=control_key(cloud_job, CANCEL, state["run"]),
    )
    aws_env.wait_idle()
    # The two renders under way finished; the waiting snippet was skipped.
    results = sorted(i.result["status"] for i in _process_runs(aws_env, cloud_job))
    assert results == ["cancelled", "done", "done"], results

    aws_env.env_overrides.clear()
    again = asyncio.run(make_runner().run_job(video, job_dir))
    assert again.status == DONE
    assert all((job_dir / s.gif).is_file() for s in again.snippets if s.gif)
    aws_env.wait_idle()
    assert len(_process_runs(aws_env, cloud_job)) == 4  # only the skipped one rendered again


def test_redelivered_events_render_nothing_again(aws_env, named_clip, tmp_path):
    job_dir = tmp_path / "job"
    assert asyncio.run(make_runner().run_job(named_clip("twice.mp4"), job_dir)).status == DONE
    aws_env.wait_idle()
    cloud_job = _cloud_job(job_dir)
    s3 = aws_env.client("s3")
    results = aws_env.model.buckets["ResultsBucket"]

    def objects() -> list[tuple[str, str]]:
        listing = s3.list_objects_v2(Bucket=results, Prefix=results_prefix(cloud_job))
        return sorted((o["Key"], o["ETag"]) for o in listing["Contents"])

    before = objects()
    uploads = [
        i
        for i in aws_env.invocations
        if i.function == "SnippetsFunction"
        and i.result
        and i.result.get("handled")
        and i.result["handled"][0]["job_id"] == cloud_job
    ]
    assert len(uploads) == 1
    renders = _process_runs(aws_env, cloud_job)
    assert len(renders) == 3

    # At-least-once delivery: the upload's event and every snippet's event come again.
    aws_env.deliver("SnippetsFunction", uploads[0].event)
    for render in renders:
        aws_env.deliver("ProcessFunction", render.event)
    aws_env.wait_idle()

    again = [i for i in aws_env.invocations if i.function == "SnippetsFunction"][-1]
    # The same run goes on; every snippet is done, so no render is requested again.
    (handled,) = again.result["handled"]
    assert handled == {**uploads[0].result["handled"][0], "sent": 0}
    redelivered = _process_runs(aws_env, cloud_job)[len(renders) :]
    assert sorted(json.dumps(i.event, sort_keys=True) for i in redelivered) == sorted(
        json.dumps(i.event, sort_keys=True) for i in renders
    )
    assert [i.result for i in redelivered] == [{"status": DONE, "skipped": True}] * 3
    # The same objects; outputs and records untouched (the run's manifest and state, which
    # the snippets function keeps, are written again).
    after = objects()
    assert [k for k, _ in after] == [k for k, _ in before]
    rewritten = ("manifest.json", "run.json")
    assert [o for o in after if not o[0].endswith(rewritten)] == [
        o for o in before if not o[0].endswith(rewritten)
    ]
    listing = s3.list_objects_v2(Bucket=results, Prefix=records_prefix(cloud_job))
    assert len(listing["Contents"]) == 3


def _upload_raw(aws_env, key: str, body: bytes, metadata: dict[str, str], **extra) -> None:
    aws_env.client("s3").put_object(
        Bucket=aws_env.model.buckets["UploadsBucket"],
        Key=key,
        Body=body,
        Metadata=metadata,
        **extra,
    )


def _remote_manifest(aws_env, job_id: str) -> Manifest:
    store = ResultsStore(aws_env.client("s3"), aws_env.model.buckets["ResultsBucket"])
    manifest = store.manifest(job_id)
    assert manifest is not None
    return manifest


def test_invalid_settings_end_in_an_error_record_without_fan_out(aws_env, clip5):
    meta = to_metadata(SETTINGS, "r1")
    meta["framefan-gif-fps"] = "9999"
    _upload_raw(aws_env, "uploads/bad-settings-job/clip.mp4", clip5.read_bytes(), meta)
    aws_env.wait_idle()
    manifest = _remote_manifest(aws_env, "bad-settings-job")
    assert manifest.status == FAILED and not manifest.snippets
    assert "clip.mp4: invalid settings: gif_fps must be between" in manifest.error
    assert not _process_runs(aws_env, "bad-settings-job")


def test_video_longer_than_the_cap_is_rejected(aws_env, clip5):
    aws_env.env_overrides["SnippetsFunction"] = {"MAX_DURATION_SECONDS": "3"}
    _upload_raw(
        aws_env, "uploads/too-long-job/long.mp4", clip5.read_bytes(), to_metadata(Settings(), "r1")
    )
    aws_env.wait_idle()
    manifest = _remote_manifest(aws_env, "too-long-job")
    assert manifest.status == FAILED
    assert "long.mp4: it lasts" in manifest.error and "more than" in manifest.error
    assert not _process_runs(aws_env, "too-long-job")


def test_rejected_input_is_reported_by_the_client(aws_env, tmp_path):
    text = tmp_path / "notes.mp4"
    text.write_text("not a video at all\n")
    manifest = asyncio.run(make_runner().run_job(text, tmp_path / "job"))
    assert manifest.status == FAILED and manifest.error.startswith("notes.mp4: ")
    assert manifest.backend == "lambda"
    assert not (tmp_path / "job").exists()  # a refused input gets no job folder
