"""``framefan selftest``: the real pipeline on a generated clip, and checks added by callers."""

from __future__ import annotations

from pathlib import Path

from core import selftest
from core.layout import MANIFEST_NAME


def test_selftest_passes_and_runs_added_checks_on_the_processed_job():
    lines: list[str] = []
    seen: list[Path] = []

    def look(job: Path) -> list[str]:
        seen.append(job)
        assert (job / MANIFEST_NAME).is_file()  # called while the job still exists
        return []

    assert selftest.run(lines.append, job_checks=[("looked at it", look)]) == 0
    assert lines[0].startswith("FrameFan ") and lines[1].startswith("ok   ffmpeg ")
    assert lines[2:] == [
        "ok   generated a 4 s test clip",
        "ok   processed it: done",
        "ok   manifest, GIFs and stills check out",
        "ok   looked at it",
        "self-test passed",
    ]
    assert len(seen) == 1 and not seen[0].exists()  # the scratch folder is removed


def test_a_failing_check_fails_the_selftest_and_stops_the_next():
    lines: list[str] = []
    later: list[Path] = []
    checks = [
        ("never passes", lambda job: ["the window is blank"]),
        ("later", lambda job: later.append(job) or []),
    ]
    assert selftest.run(lines.append, job_checks=checks) == 1
    assert lines[-1] == "FAIL the window is blank"
    assert "self-test passed" not in lines
    assert later == []
