"""Backends as the window sees them: their declared settings, the phases of a job that
uploads (first, or as segments while its snippets render), what a cloud job offers, both at
once, and the AWS problems that hold the queue."""

from __future__ import annotations

import pytest

from core.errors import SettingsError
from core.events import JobProgress, SnippetStarted, UploadPlanned, UploadProgress
from core.manifest import RUNNING
from core.runner import JobControl
from gui.auto_backend import choose
from gui.backends import (
    AUTO,
    BACKENDS,
    CONNECTION,
    HYBRID,
    LAMBDA,
    LOCAL,
    BackendField,
    RunnerOptions,
    backend,
)
from gui.queue.actions import row_buttons
from gui.queue.entry import SNIPPETS, STREAMING, UPLOAD, QueueEntry
from gui.queue.model import QueueModel
from gui.queue.scheduler import JobScheduler
from gui.queue.texts import accessible_description, progress_text, status_text
from gui.user_settings import UserSettings

from .conftest import FAST


def test_a_backend_field_reads_stored_text_as_its_type():
    count = BackendField("n", "Parallel snippets", "", 4, minimum=1, maximum=8)
    assert count.coerce("3") == 3
    with pytest.raises(ValueError, match="Parallel snippets must be at most 8"):
        count.coerce("9")
    with pytest.raises(ValueError):
        count.coerce("lots")
    switch = BackendField("on", "Keep", "", True)
    assert (switch.coerce("false"), switch.coerce("true"), switch.coerce(True)) == (
        False,
        True,
        True,
    )
    with pytest.raises(ValueError):
        switch.coerce("maybe")
    assert BackendField("s", "Stack name", "", "").coerce("  framefan ") == "framefan"


def test_user_settings_hold_every_backend_field_with_its_default():
    settings = UserSettings()
    assert set(settings.backend_values) == set(BACKENDS)
    aws = {"profile": "", "region": "", "upload": "auto", "upload_limit_mbps": 0}
    assert settings.values_of("lambda") == {"stack": "framefan", **aws}
    assert settings.values_of() == settings.values_of(LOCAL.key)  # the chosen backend's
    changed = settings.with_changes(backend="lambda").with_backend_values("lambda", stack="x")
    assert changed.values_of() == {"stack": "x", **aws}
    assert changed.values_of("local") == settings.values_of("local")
    with pytest.raises(SettingsError, match="AWS Lambda has no setting 'bucket'"):
        UserSettings(backend_values={"lambda": {"bucket": "b"}})
    with pytest.raises(SettingsError, match="Parallel snippets must be at least 1"):
        settings.with_backend_values("local", workers=0)


def test_what_each_backend_declares():
    assert (LOCAL.can_pause, LOCAL.concurrent_jobs, LOCAL.test_connection) == (True, 1, None)
    assert (LAMBDA.can_pause, LAMBDA.concurrent_jobs) == (False, 2)
    assert LAMBDA.test_connection is not None
    assert LAMBDA.missing({"stack": "", "profile": "p"}) is LAMBDA.field("stack")
    assert LAMBDA.missing({"stack": "framefan"}) is None


def _scheduler(entry: QueueEntry) -> JobScheduler:
    model = QueueModel()
    model.add([entry])
    return JobScheduler(model, lambda: UserSettings(), None)  # type: ignore[arg-type]


def test_a_job_that_uploads_first_shows_its_two_phases(qapp):
    entry = QueueEntry("/v/a.mp4", "a.mp4", "lambda", status=RUNNING)
    scheduler = _scheduler(entry)
    scheduler._on_event(entry.id, UploadProgress(entry.id, sent=3 << 20, total=8 << 20))
    assert (entry.phase, entry.uploading) == (UPLOAD, 0.375)
    assert status_text(entry) == "Uploading"
    assert progress_text(entry) == "Uploading the video · 3.0 MB of 8.0 MB"

    scheduler._on_event(entry.id, UploadProgress(entry.id, sent=8 << 20, total=8 << 20))
    assert progress_text(entry) == "Uploaded 8.0 MB · starting in the cloud…"

    scheduler._on_event(entry.id, SnippetStarted(entry.id, 0))
    assert (entry.phase, entry.uploading) == (SNIPPETS, None)
    assert status_text(entry) == "Running"
    scheduler._on_event(entry.id, JobProgress(entry.id, 0.5, 1, 0, 2, eta=65.0))
    assert (entry.fraction, entry.eta) == (0.5, 65.0)
    assert progress_text(entry).startswith("Rendering snippets · ")
    assert progress_text(entry).endswith(" elapsed · 1:05 left")

    # A job with no upload (local, or a cloud job resumed after its upload) has one phase.
    local = QueueEntry("/v/b.mp4", "b.mp4", "local", status=RUNNING)
    _scheduler(local)._on_event(local.id, JobProgress(local.id, 0.5, 1, 0, 2, eta=65.0))
    assert local.phase is None and progress_text(local).endswith(" elapsed · 1:05 left")
    assert not progress_text(local).startswith("Rendering")


def test_a_cloud_job_can_be_stopped_not_paused(qapp):
    entry = QueueEntry("/v/a.mp4", "a.mp4", "lambda", status=RUNNING)
    scheduler = _scheduler(entry)
    control = scheduler._controls[entry.id] = JobControl()
    assert not scheduler.can_pause(entry)
    assert row_buttons(entry, scheduler.can_pause(entry)) == ["cancel"]
    scheduler.pause(entry.id)  # e.g. Ctrl+P
    assert entry.status == RUNNING and not control.paused

    local = QueueEntry("/v/b.mp4", "b.mp4", "local", status=RUNNING)
    local_scheduler = _scheduler(local)
    local_scheduler._controls[local.id] = JobControl()
    assert row_buttons(local, local_scheduler.can_pause(local)) == ["pause", "cancel"]


def test_pausing_the_queue_says_on_the_row_why_a_cloud_job_keeps_running(qapp):
    entry = QueueEntry("/v/a.mp4", "a.mp4", "lambda", status=RUNNING)
    scheduler = _scheduler(entry)
    scheduler._controls[entry.id] = JobControl()
    scheduler._tasks[entry.id] = None  # type: ignore[assignment]  # as if at work
    scheduler.pause_queue()
    assert scheduler.held and entry.status == RUNNING
    assert entry.notice == "Keeps running: AWS Lambda jobs cannot pause"
    assert "Keeps running: AWS Lambda jobs cannot pause" in accessible_description(entry, False)
    scheduler._tasks.clear()
    scheduler.start_queue()
    assert not scheduler.held and entry.notice is None


def test_no_aws_credentials_is_a_problem_saying_what_to_do(monkeypatch, tmp_path, ffmpeg):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    options = RunnerOptions(FAST, ffmpeg, lambda _event: None, LAMBDA.defaults())
    [problem] = LAMBDA.check(options)
    assert problem.kind == CONNECTION
    assert problem.message.startswith("AWS: reading stack 'framefan': no AWS credentials found")
    assert "Run 'aws configure'" in problem.message

    profile = {**LAMBDA.defaults(), "profile": "editor"}
    [problem] = LAMBDA.check(RunnerOptions(FAST, ffmpeg, lambda _event: None, profile))
    assert "AWS profile 'editor' not found" in problem.message


def test_a_job_sent_as_segments_uploads_and_renders_at_once(qapp):
    entry = QueueEntry("/v/a.mp4", "a.mp4", "lambda", status=RUNNING)
    scheduler = _scheduler(entry)
    scheduler._on_event(entry.id, UploadPlanned(entry.id, "segments", "3 segments"))
    scheduler._on_event(entry.id, UploadProgress(entry.id, sent=2 << 20, total=6 << 20))
    scheduler._on_event(entry.id, SnippetStarted(entry.id, 0))
    scheduler._on_event(entry.id, JobProgress(entry.id, 1 / 3, 1, 0, 3, eta=20.0))
    assert entry.phase == STREAMING and entry.uploading is None  # the bar: snippets done
    assert status_text(entry) == "Uploading"
    assert progress_text(entry) == ("Uploading segments · 2.0 MB of ~6.0 MB")
    scheduler._on_event(entry.id, UploadProgress(entry.id, sent=6 << 20, total=6 << 20))
    assert entry.phase == SNIPPETS and progress_text(entry).startswith("Rendering snippets")


def test_both_at_once_is_chosen_per_job_and_runs_with_both_backends_settings():
    assert backend("hybrid") is HYBRID and "hybrid" not in BACKENDS  # not offered as a choice
    assert (HYBRID.can_pause, HYBRID.short_label, HYBRID.uses) == (False, "Both", AUTO.uses)
    settings = UserSettings().with_backend_values("lambda", stack="s", upload_limit_mbps=20)
    values = HYBRID.values(settings.values_of)
    assert values["workers"] == settings.values_of("local")["workers"]
    assert (values["stack"], values["upload_limit_mbps"]) == ("s", 20)
    assert LAMBDA.values(settings.values_of) == settings.values_of("lambda")
    with pytest.raises(SettingsError, match="Send videos: not one of auto, segments, whole"):
        settings.with_backend_values("lambda", upload="stream")
    assert choose("s3://footage/a.mp4", FAST, {}, {}) == "lambda"  # in place, on AWS
