"""The AWS Lambda backend through the window, against the offline emulator over real HTTP:
processing to done with the upload phase first, a failed snippet retried, the connection
test, and an AWS problem that holds the queue.

Each test starts its own emulator and stops it in teardown (after its windows closed), so no
thread or process of it outlives the test."""

from __future__ import annotations

import json
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.cloud.runner import STATE_NAME
from core.cloud.sim.chaos import Chaos
from core.cloud.sim.emulator import CloudSim
from core.manifest import DONE, FAILED, PARTIAL, RUNNING, Manifest
from gui.backends import CONNECTION
from gui.queue.actions import row_buttons
from gui.queue.entry import SNIPPETS, UPLOAD
from gui.queue.texts import progress_text, status_text
from gui.user_settings import UserSettings

from .. import systems
from ..cloud.conftest import start_sim, use_sim
from .conftest import add_and_wait, click_row_button, wait_finished

# The offline AWS emulator runs its functions as POSIX process groups.
pytestmark = systems.only_on(*systems.posix, reason="the cloud emulator needs POSIX process groups")


@pytest.fixture
def cloud(monkeypatch, tmp_path) -> Iterator[CloudSim]:
    # Emulators of one process share moto's state: this one gets a stack of its own.
    sim = start_sim(f"framefan-gui-{uuid.uuid4().hex[:8]}")
    try:
        use_sim(sim, monkeypatch, tmp_path)
        yield sim
    finally:
        sim.stop()


def _on_lambda(settings: UserSettings, stack: str) -> UserSettings:
    return settings.with_changes(backend="lambda").with_backend_values("lambda", stack=stack)


def _flaky_ffmpeg(tmp_path: Path, ffmpeg: str) -> str:
    """An ffmpeg for the process function whose render of the snippet starting at 3 s fails
    once (the render's filter moves the GIF clock to the snippet's start: ``PTS-3/TB``)."""
    flag = tmp_path / "fail-once"
    flag.touch()
    script = tmp_path / "ffmpeg-flaky"
    script.write_text(
        f'#!/bin/sh\nif [ -e "{flag}" ]; then for a in "$@"; do case "$a" in *"PTS-3/TB"*) '
        f'rm -f "{flag}"; echo "No space left on device" >&2; exit 1;; esac; done; fi\n'
        f'exec "{ffmpeg}" "$@"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_a_video_is_processed_on_lambda_upload_first_then_snippets(
    qtbot, cloud, make_window, user_settings, step_video
):
    window = make_window()
    window.apply_settings(_on_lambda(user_settings, cloud.stack))
    rows: list[tuple[str | None, str, str]] = []  # phase, status chip, progress line
    actions: list[list[str]] = []

    def on_change(*_: object) -> None:
        entry = window.model.entry_at(0)
        if entry.status == RUNNING:
            rows.append((entry.phase, status_text(entry), progress_text(entry)))
            actions.append(row_buttons(entry, window.scheduler.can_pause(entry)))

    window.model.dataChanged.connect(on_change)
    add_and_wait(qtbot, window, [step_video])
    entry = window.model.entry_at(0)
    assert entry.backend == "lambda"
    qtbot.waitUntil(lambda: entry.phase == UPLOAD, timeout=30_000)
    window.jobs.actions["pause"].trigger()  # Ctrl+P: a cloud job cannot be held
    assert entry.status == RUNNING
    wait_finished(qtbot, window, timeout=120_000)

    assert entry.status == DONE, entry.error
    phases = [phase for phase, _, _ in rows if phase]
    assert phases[0] == UPLOAD and phases[-1] == SNIPPETS
    assert phases.index(SNIPPETS) > phases.index(UPLOAD)
    assert UPLOAD not in phases[phases.index(SNIPPETS) :], "went back to uploading"
    uploading = [(chip, line) for phase, chip, line in rows if phase == UPLOAD]
    size = step_video.stat().st_size
    assert any(chip == "Uploading" and "Upload" in line for chip, line in uploading), uploading
    assert entry.upload_total == size
    rendering = [line for phase, _, line in rows if phase == SNIPPETS]
    assert rendering and all(line.startswith("Rendering snippets") for line in rendering)
    # A running cloud job offers Stop, never Pause.
    assert actions and all(a == ["cancel"] for a in actions), actions

    manifest = Manifest.load(entry.job_dir)
    assert manifest.backend == "lambda" and manifest.status == DONE
    assert manifest.source.path == str(step_video)
    assert all((entry.job_dir / s.gif).is_file() for s in manifest.snippets if s.gif)
    assert window.preview.model() is not None
    assert window.preview.model().counts() == (len(manifest.snippets), 0)


def test_a_failed_cloud_snippet_is_retried_from_its_row(
    qtbot, cloud, make_window, user_settings, step_video, tmp_path, ffmpeg
):
    cloud.env_overrides["ProcessFunction"] = {"FRAMEFAN_FFMPEG": _flaky_ffmpeg(tmp_path, ffmpeg)}
    window = make_window()
    window.apply_settings(_on_lambda(user_settings, cloud.stack))
    add_and_wait(qtbot, window, [step_video])
    entry = window.model.entry_at(0)
    wait_finished(qtbot, window, timeout=120_000)
    assert entry.status == PARTIAL
    assert "No space left on device" in (entry.error or "")
    assert row_buttons(entry, window.scheduler.can_pause(entry))[0] == "retry"
    run = json.loads((entry.job_dir / STATE_NAME).read_text())["run"]
    cloud.wait_idle()

    click_row_button(qtbot, window, entry.id, "retry")
    wait_finished(qtbot, window, timeout=120_000)
    assert entry.status == DONE, entry.error
    assert (entry.job_dir / "gifs/00001.gif").is_file()
    # The cloud's retry path ran (a new run for the missing snippet), with no new upload.
    assert json.loads((entry.job_dir / STATE_NAME).read_text())["run"] != run
    assert entry.phase is None and entry.upload_total == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fault", "status", "shown"),
    [
        # Every attempt at snippet index 1 killed before it writes anything (out of memory).
        ("crash", PARTIAL, "failed after 3 attempts: the function was killed"),
        # A time limit shorter than a Python start: every render is killed at its limit.
        ("timeout", FAILED, "ran past the function's time limit"),
    ],
)
def test_a_crashed_or_timed_out_invocation_shows_on_the_row(
    qtbot, cloud, make_window, user_settings, step_video, fault, status, shown
):
    if fault == "crash":
        cloud.set_chaos(Chaos.parse(["crash-snippet=1"]))
    else:
        cloud.timeout_overrides["ProcessFunction"] = 0.3
    window = make_window()
    window.apply_settings(_on_lambda(user_settings, cloud.stack))
    add_and_wait(qtbot, window, [step_video])
    entry = window.model.entry_at(0)
    wait_finished(qtbot, window, timeout=120_000)
    assert entry.status == status, entry.error
    assert shown in (entry.error or "")
    assert row_buttons(entry, window.scheduler.can_pause(entry))[0] == "retry"
    failed = [s.index for s in Manifest.load(entry.job_dir).snippets if s.status == FAILED]
    assert failed == ([1] if fault == "crash" else [0, 1, 2])


def test_test_connection_reports_each_step_and_a_wrong_stack(
    qtbot, cloud, make_window, user_settings
):
    window = make_window()
    dialog = window.open_settings()
    dialog.editor("backend").setCurrentIndex(dialog.editor("backend").findData("lambda"))
    tester = dialog.testers["lambda"]
    assert tester.isVisible() and not dialog.editor("local.workers").isVisible()

    dialog.editor("lambda.stack").setText(cloud.stack)
    task = tester.start()
    assert task is not None and tester.running
    assert not tester.button.isEnabled() and tester.busy.isVisible()  # busy, not frozen
    # The result is shown by the task's done callback, which runs just after the task ends.
    qtbot.waitUntil(lambda: tester.report is not None, timeout=60_000)
    assert tester.button.isEnabled() and not tester.busy.isVisible()
    assert tester.report.ok and tester.status.text() == "Connected"
    assert [s.name for s in tester.report.steps] == [
        "credentials",
        "stack",
        "read results",
        "upload",
    ]
    assert f"Stack '{cloud.stack}' found in us-east-1" in tester.result_text()

    dialog.editor("lambda.stack").setText("framefan-typo")
    task = tester.start()
    assert task is not None and tester.report is None
    qtbot.waitUntil(lambda: tester.report is not None, timeout=60_000)
    assert not tester.report.ok and tester.status.text() == "Not connected"
    failed = tester.report.steps[-1]
    assert failed.name == "stack" and not failed.ok
    assert "stack 'framefan-typo' not found in region us-east-1" in failed.message
    assert "sam deploy" in failed.message  # says what to do
    assert "framefan-typo" in tester.result_text()

    dialog.editor("lambda.stack").setText("")
    assert tester.start() is None and "Enter the stack name first" in tester.result_text()
    assert not dialog._ok.isEnabled() and "stack name" in dialog.error.text()
    dialog.reject()


def test_a_missing_stack_holds_the_queue_with_what_to_do(
    qtbot, cloud, make_window, user_settings, step_video
):
    window = make_window()
    window.apply_settings(_on_lambda(user_settings, stack="framefan-typo"))
    problems = []
    window.scheduler.problemFound.connect(problems.append)
    add_and_wait(qtbot, window, [step_video])
    qtbot.waitUntil(lambda: window.scheduler.held, timeout=60_000)
    entry = window.model.entry_at(0)
    assert entry.status == "queued" and entry.job_dir is None  # nothing started, nothing lost
    assert problems[0].kind == CONNECTION
    text = window.message_bar.text.text()
    assert text.startswith("AWS: stack 'framefan-typo' not found in region us-east-1")
    assert text.endswith("The queue is paused.")
    assert window.message_bar.button_texts() == ["Test connection…", "Try again"]

    # Fixed in the settings, the queue goes on.
    window.apply_settings(_on_lambda(user_settings, cloud.stack))
    window.message_bar.click("Try again")
    wait_finished(qtbot, window, timeout=120_000)
    assert entry.status == DONE, entry.error
