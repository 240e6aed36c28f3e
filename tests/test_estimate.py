"""``framefan estimate``: a calibration render cached per machine, local and AWS time, and
AWS cost with its parts and the price table's date and region."""

from __future__ import annotations

import json

from core.cli import main
from core.estimate import network
from core.estimate.calibrate import Calibration
from core.estimate.model import CloudCapacity, local_seconds
from core.plan import plan
from core.settings import Settings

from . import media


def test_estimate_prints_both_backends_and_the_cost(make_video, capsys):
    video = make_video(media.Spec("estimate-4s.mp4", "testsrc=d=4:s=160x120:r=25"))
    argv = ["estimate", "--json", "--uplink-mbps", "50", "--snippet-seconds", "2", str(video)]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    (first,) = report["inputs"]
    assert first["snippets"] == 2 and first["uplink_mbps"] == 50 and first["local_seconds"] > 0
    assert set(first["cloud_parts"]) == {"upload", "start", "render", "download"}
    assert set(first["cost_parts"]) == {
        "lambda_compute", "lambda_requests_and_events", "s3_requests_and_storage",
        "transfer_out",
    }  # fmt: skip
    assert 0 < first["cost_usd"] < 0.01
    assert report["prices"] == {"region": "us-east-1", "date": "2025-06"}
    assert first["faster"] in ("local", "lambda")
    # The calibration is kept for this kind of video: a second estimate renders nothing.
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["inputs"][0]["calibration_cached"] is True


def test_estimate_of_a_bad_file_names_it(tmp_path, capsys):
    bad = tmp_path / "notes.mp4"
    bad.write_text("hello\n")
    assert main(["estimate", str(bad)]) == 1
    assert "notes.mp4: it is a text file" in capsys.readouterr().err


def test_the_uplink_measured_by_an_upload_is_kept():
    assert network.record_upload(1000, 1.0) is None  # too small to tell
    assert round(network.record_upload(10 * 1024 * 1024, 2.0)) == 42
    assert round(network.last_uplink()) == 42


def test_local_time_schedules_snippets_on_the_workers():
    calibration = Calibration(0.5, 0.2, 2, 1000.0, 100.0, 0.0)
    snippets = plan(95.0, Settings(snippet_seconds=30))  # 30, 30, 30, 5
    # Two at a time: (6.5, 6.5), then (6.5, 1.5).
    assert local_seconds(snippets, calibration, 2) == 13.0
    assert CloudCapacity(memory_mb=1769).speedup == 1.0
    assert CloudCapacity(memory_mb=3008).speedup > 1.0
