"""The cloud path's own formats: object keys, metadata, snippet events, completion records,
and sending events to EventBridge (partial failures through botocore's Stubber)."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import Stubber

from core.cloud.functions.fanout import FanOutError, put_all
from core.cloud.keys import (
    CANCEL,
    IGNORED,
    RETRY,
    SOURCE,
    cloud_job_id,
    control_key,
    parse_upload_key,
    result_key,
    upload_key,
)
from core.cloud.metadata import from_metadata, to_metadata
from core.cloud.records import DONE, RecordError, SnippetResult
from core.cloud.tasks import DETAIL_TYPE, EVENT_SOURCE, SnippetTask, TaskError
from core.errors import SettingsError
from core.plan import Snippet
from core.probe import MediaInfo
from core.settings import Settings

MEDIA = MediaInfo(
    duration=5.0, width=160, height=120, rotation=0, fps=25.0, codec="h264",
    format="mov,mp4,m4a,3gp,3g2,mj2", has_video=True, stream_index=0,
    coded_width=160, coded_height=120, pix_fmt="yuv420p",
)  # fmt: skip


@pytest.mark.parametrize(
    ("key", "kind", "job", "extra"),
    [
        ("uploads/job-1/clip a+b é.mp4", SOURCE, "job-1", "clip a+b é.mp4"),
        ("uploads/job-1/control/retry-abc123", RETRY, "job-1", "abc123"),
        ("uploads/job-1/control/cancel-abc123", CANCEL, "job-1", "abc123"),
        ("uploads/job-1/control/explode-abc", IGNORED, "job-1", ""),
        ("uploads/job-1/nested/clip.mp4", IGNORED, "job-1", ""),
        ("uploads/../clip.mp4", IGNORED, "", ""),
        ("uploads/job-1/", IGNORED, "job-1", ""),
        ("results/job-1/clip.mp4", IGNORED, "", ""),
    ],
)
def test_upload_keys_are_classified(key, kind, job, extra):
    parsed = parse_upload_key(key)
    assert parsed.kind == kind and parsed.job_id == job
    assert extra == (parsed.name if kind == SOURCE else parsed.run)


def test_keys_refuse_to_leave_their_prefix():
    with pytest.raises(ValueError):
        upload_key("job", "../x.mp4")
    with pytest.raises(ValueError):
        upload_key("../job", "x.mp4")
    with pytest.raises(ValueError):
        result_key("job", "../other/manifest.json")
    with pytest.raises(ValueError):
        control_key("job", "delete", "r1")
    assert control_key("job", RETRY, "r1") == "uploads/job/control/retry-r1"


def test_cloud_job_id_follows_input_version_and_settings():
    base = cloud_job_id("clip-abc", "100-1", Settings())
    assert base == cloud_job_id("clip-abc", "100-1", Settings())
    assert base != cloud_job_id("clip-abc", "100-2", Settings())
    assert base != cloud_job_id("clip-abc", "100-1", Settings(gif_fps=12))
    assert parse_upload_key(upload_key(base, "x.mp4")).job_id == base


def test_settings_travel_as_metadata():
    settings = Settings(snippet_seconds=12.5, frames=False, frame_width=0)
    meta = to_metadata(settings, "run-1")
    assert all(key.startswith("framefan-") and "_" not in key for key in meta)
    # S3 hands metadata back with lower-case keys; other tools may add their own keys.
    returned = {k.lower(): v for k, v in meta.items()} | {"uploaded-by": "someone"}
    assert from_metadata(returned) == (settings, "run-1")
    assert from_metadata({}) == (Settings(), "upload")
    with pytest.raises(SettingsError, match="unknown setting"):
        from_metadata({"framefan-colour": "red"})
    with pytest.raises(SettingsError, match="invalid run id"):
        from_metadata({"framefan-run": "../../x"})


def _task() -> SnippetTask:
    return SnippetTask(
        "job-1", "uploads/job-1/clip.mp4", "etag", "r1", Settings(), MEDIA, Snippet(1, 2.0, 4.0)
    )


def _envelope(detail: str) -> dict:
    return {
        "version": "0", "id": "e1", "detail-type": DETAIL_TYPE, "source": EVENT_SOURCE,
        "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
        "resources": [], "detail": json.loads(detail),
    }  # fmt: skip


def test_snippet_event_round_trips_and_is_deterministic():
    task = _task()
    assert task.detail() == _task().detail()
    assert SnippetTask.from_event(_envelope(task.detail())) == task
    entry = task.entry("bus")
    assert entry["Source"] == EVENT_SOURCE and entry["DetailType"] == DETAIL_TYPE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["media"].update(format="hls"), "container 'hls' is not allowed"),
        (lambda d: d.update(source_key="uploads/other-job/clip.mp4"), "does not belong"),
        (lambda d: d.update(source_key="uploads/job-1/control/retry-r1"), "does not belong"),
        (lambda d: d["settings"].update(gif_fps=0), "invalid settings"),
        (lambda d: d["snippet"].update(start=5.0), "malformed"),
        (lambda d: d["media"].update(width="160"), "invalid media"),
        (lambda d: d.update(run="a/b"), "invalid run id"),
        (lambda d: d.update(source_key="uploads/job-1/segments/00007.mov"), "not the snippet's"),
        (lambda d: d.update(source_key="uploads/job-1/segments/1.mov"), "does not belong"),
        (lambda d: d.update(offset=9.0), "does not start before its snippet"),
        (lambda d: d.update(offset=float("nan")), "does not start before its snippet"),
        (lambda d: d.update(source_bucket="footage", source_key="a\nb.mp4"), "invalid source key"),
    ],
)
def test_forged_snippet_events_are_refused(change, message):
    event = _envelope(_task().detail())
    change(event["detail"])
    with pytest.raises(TaskError, match=message):
        SnippetTask.from_event(event)


def test_events_of_other_sources_are_refused():
    event = _envelope(_task().detail())
    event["source"] = "someone.else"
    with pytest.raises(TaskError, match="unexpected event"):
        SnippetTask.from_event(event)


def test_completion_records_round_trip_and_reject_garbage():
    record = SnippetResult(3, DONE, "r1", "etag", "gifs/00003.gif", (6, 7), 1.5, 2.0)
    assert SnippetResult.from_json(record.to_json()) == record
    for raw in (b"{", b"[]", b'{"version": 1, "index": 1}', b'{"version": 1, "index": 1, '
                b'"status": "exploded", "run": "r", "fingerprint": "e"}'):  # fmt: skip
        with pytest.raises(RecordError):
            SnippetResult.from_json(raw)


# -- PutEvents ------------------------------------------------------------------------------


def _entries(count: int) -> list[dict[str, str]]:
    return [
        {
            "Source": EVENT_SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": f'{{"n": {n}}}',
            "EventBusName": "b",
        }
        for n in range(count)
    ]


@pytest.fixture
def events_client():
    client = boto3.client(
        "events", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_events_go_in_batches_of_ten(events_client):
    client, stubber = events_client
    entries = _entries(23)
    for first in (0, 10, 20):
        batch = entries[first : first + 10]
        stubber.add_response(
            "put_events",
            {"FailedEntryCount": 0, "Entries": [{"EventId": str(i)} for i in range(len(batch))]},
            {"Entries": batch},
        )
    assert put_all(client, entries, sleep=lambda s: None) == 3


def test_only_failed_entries_are_sent_again(events_client):
    client, stubber = events_client
    entries = _entries(4)
    stubber.add_response(
        "put_events",
        {
            "FailedEntryCount": 2,
            "Entries": [
                {"EventId": "a"},
                {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"},
                {"EventId": "c"},
                {"ErrorCode": "InternalFailure", "ErrorMessage": "oops"},
            ],
        },
        {"Entries": entries},
    )
    stubber.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "b"}, {"EventId": "d"}]},
        {"Entries": [entries[1], entries[3]]},
    )
    delays: list[float] = []
    assert put_all(client, entries, sleep=delays.append) == 2
    assert len(delays) == 1 and 0 < delays[0] <= 0.2


def test_sending_fails_loudly_after_the_last_try(events_client):
    client, stubber = events_client
    entries = _entries(2)
    failure = {
        "FailedEntryCount": 1,
        "Entries": [{"EventId": "a"}, {"ErrorCode": "InternalFailure", "ErrorMessage": "x"}],
    }
    stubber.add_response("put_events", failure, {"Entries": entries})
    for _ in range(2):
        stubber.add_response(
            "put_events",
            {"FailedEntryCount": 1, "Entries": [failure["Entries"][1]]},
            {"Entries": [entries[1]]},
        )
    delays: list[float] = []
    with pytest.raises(FanOutError, match=r"1 snippet event\(s\) could not be sent after 3 tries"):
        put_all(client, entries, attempts=3, sleep=delays.append)
    assert len(delays) == 2 and delays[1] >= delays[0]  # backoff grows
