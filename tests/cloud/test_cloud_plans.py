"""The objects of a streamed job: plan and segment keys, the plan document, a streaming
run's liveness, S3 addresses, the upload rate limit, and a segment the cloud could not
take."""

from __future__ import annotations

import json
import threading
import time

import pytest

from core.cloud.functions import failures
from core.cloud.functions.environment import FunctionEnv
from core.cloud.jobplan import S3, SEGMENTS, JobPlan, PlanError
from core.cloud.keys import (
    PLAN,
    SEGMENT,
    SOURCE,
    parse_upload_key,
    plan_key,
    record_key,
    segment_key,
)
from core.cloud.records import DONE, FAILED, SnippetResult
from core.cloud.runs import STARTED, JobRecords, RunRecord, is_live
from core.cloud.s3source import parse_s3_uri
from core.cloud.store import ResultsStore
from core.cloud.throttle import LimitedBody, RateLimit, UploadStopped
from core.errors import InputRejectedError
from core.layout import job_dir_for
from core.probe import MediaInfo

MEDIA = MediaInfo(
    duration=61.0, width=1920, height=1080, rotation=0, fps=25.0, codec="h264",
    format="mov,mp4,m4a,3gp,3g2,mj2", has_video=True, stream_index=0, coded_width=1920,
    coded_height=1080, pix_fmt="yuv420p",
)  # fmt: skip


def test_plan_and_segment_keys_are_told_apart_from_videos():
    assert parse_upload_key(plan_key("job-1")).kind == PLAN
    segment = parse_upload_key(segment_key("job-1", 42, ".mov"))
    assert (segment.kind, segment.index, segment.job_id) == (SEGMENT, 42, "job-1")
    assert parse_upload_key("uploads/job-1/plan.mp4").kind == SOURCE
    for odd in (
        "uploads/job-1/segments/42.mov",
        "uploads/job-1/segments/00042.mkv",
        "uploads/job-1/segments/00042.mov/x",
        "uploads/job-1/segments/../00001.mov",
    ):
        assert parse_upload_key(odd).kind not in (SEGMENT, PLAN), odd  # fmt: skip
    with pytest.raises(ValueError):
        segment_key("job-1", 1, ".exe")


def test_a_plan_round_trips_and_hands_out_the_same_bytes_each_time():
    plan = JobPlan(SEGMENTS, "clip.mp4", media=MEDIA)
    assert plan.to_json() == JobPlan(SEGMENTS, "clip.mp4", media=MEDIA).to_json()
    assert JobPlan.from_json(plan.to_json()) == plan
    in_place = JobPlan(S3, "a.mov", bucket="footage", key="day 1/a.mov", etag="abc")
    assert JobPlan.from_json(in_place.to_json()) == in_place


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(version=2), "not a job plan of this version"),
        (lambda d: d.update(name="notes.txt"), "does not name a video file"),
        (lambda d: d.update(name="../x.mp4"), "does not name a video file"),
        (lambda d: d.update(kind="ftp"), "unknown kind"),
        (lambda d: d["media"].update(format="hls"), "container 'hls' is not allowed"),
        (lambda d: d["media"].update(duration=float("inf")), "duration or frame rate"),
        (lambda d: d["media"].update(width=0), "picture size"),
        (lambda d: d["media"].update(rotation=45), "rotation"),
        (lambda d: d["media"].pop("codec"), "lacks codec"),
        (lambda d: d["media"].update(fps="25"), "fps is not a number"),
    ],
)
def test_forged_plans_are_refused(change, message):
    data = json.loads(JobPlan(SEGMENTS, "clip.mp4", media=MEDIA).to_json())
    change(data)
    with pytest.raises(PlanError, match=message):
        JobPlan.from_json(json.dumps(data).encode())


def test_plans_of_objects_in_place_must_name_a_real_bucket_key_and_etag():
    for source in ({"bucket": "Bad_Bucket", "key": "a.mp4", "etag": "e"},
                   {"bucket": "footage", "key": "", "etag": "e"},
                   {"bucket": "footage", "key": "a\nb.mp4", "etag": "e"},
                   {"bucket": "footage", "key": "a.mp4", "etag": ""}):  # fmt: skip
        raw = json.dumps({"version": 1, "kind": "s3", "name": "a.mp4", "source": source})
        with pytest.raises(PlanError, match="not a valid bucket"):
            JobPlan.from_json(raw.encode())
    with pytest.raises(PlanError, match="larger than"):
        JobPlan.from_json(b" " * 70_000)


def test_a_streaming_run_is_live_until_every_snippet_is_settled():
    now = 1000.0
    run = RunRecord("r1", STARTED, "plan", started=now, updated=now, snippets=3, sent=(),
                    streaming=True)  # fmt: skip
    assert is_live(run, JobRecords(), now + 1)
    records = {i: SnippetResult(i, DONE if i else FAILED, "r1", "plan") for i in range(3)}
    assert not is_live(run, JobRecords(records, dict.fromkeys(records, now)), now + 1)
    assert not is_live(run, JobRecords(), now + 10_000)  # and no longer once it stalls
    assert RunRecord.from_json(run.to_json()) == run


def test_s3_addresses_are_parsed_strictly_and_name_their_own_job_folder(tmp_path):
    found = parse_s3_uri("s3://footage/day 1/shot 1.mp4")
    assert (found.bucket, found.key, found.name) == ("footage", "day 1/shot 1.mp4", "shot 1.mp4")
    for bad in ("s3://Footage/a.mp4", "s3://footage/", "s3://footage/notes.txt", "s3:/x/a.mp4"):
        with pytest.raises(InputRejectedError):
            parse_s3_uri(bad)
    first = job_dir_for(tmp_path, "s3://footage/day 1/shot 1.mp4")
    assert first.name.startswith("shot-1-") and first.parent == tmp_path
    assert first == job_dir_for(tmp_path, "s3://footage/day 1/shot 1.mp4")
    assert first != job_dir_for(tmp_path, "s3://footage/day 2/shot 1.mp4")


def test_the_upload_limit_paces_what_is_read_to_be_sent():
    limit = RateLimit(8.0)  # 1 MB/s
    body = LimitedBody(b"x" * 600_000, limit)
    began = time.monotonic()
    while body.read(65_536):
        pass
    # The first quarter second is a burst; the rest waits its turn (a lower bound only).
    assert time.monotonic() - began >= 0.3
    stop = threading.Event()
    stop.set()
    with pytest.raises(UploadStopped):
        LimitedBody(b"x" * 600_000, RateLimit(0.1), stop).read()
    with pytest.raises(ValueError):
        RateLimit(0)


def test_a_segment_the_cloud_could_not_take_is_recorded_failed(aws_env, s3):
    results = aws_env.model.buckets["ResultsBucket"]
    store = ResultsStore(s3, results)
    store.put_run("seg-fail-1", RunRecord("r9", STARTED, "plan-etag", snippets=2, sent=(),
                                          streaming=True))  # fmt: skip
    env = FunctionEnv(aws_env.model.buckets["UploadsBucket"], results)
    message = {
        "messageId": "m1",
        "body": json.dumps({
            "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": 3},
            "requestPayload": {"Records": [{"s3": {"object": {
                "key": "uploads/seg-fail-1/segments/00001.mov"}}}]},
            "responsePayload": {"errorType": "PlanPending", "errorMessage": "not taken yet"},
        }),
    }  # fmt: skip
    assert failures.handle({"Records": [message]}, env) == {"batchItemFailures": []}
    record = store.record(record_key("seg-fail-1", 1))
    assert record is not None and record.status == FAILED and record.run == "r9"
    assert "its segment could not be taken" in record.error and "run again" in record.error


def test_a_new_upload_is_followed_until_the_cloud_takes_it():
    """Sent again another way (segments, then the whole file): the job's current run is
    still the finished run of the plan, which must not be followed for the new upload."""
    from core.cloud.starting import decide

    now = 1000.0
    old = RunRecord("plan-run", STARTED, "plan-etag", now, now, snippets=1, sent=(0,))
    done = JobRecords({0: SnippetResult(0, DONE, "plan-run", "plan-etag")}, {0: now})
    state = {"run": "video-run", "etag": "video-etag"}
    assert decide(state, old, done, now, 600.0, "video-etag") == ("follow", "video-run")
    mine = {"run": "plan-run", "etag": "plan-etag"}
    assert decide(mine, old, done, now, 600.0, "plan-etag") == ("follow", "plan-run")
