"""``framefan estimate``: a calibration render cached per machine, local and AWS time, and
AWS cost with its parts and the price table's date and region."""

from __future__ import annotations

import json

from core.cli import main
from core.estimate import network
from core.estimate.calibrate import Calibration
from core.estimate.model import CloudCapacity, Estimate, estimate, local_seconds
from core.plan import plan
from core.probe import MediaInfo
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


def _media(seconds: float) -> MediaInfo:
    return MediaInfo(
        duration=seconds, width=1920, height=1080, rotation=0, fps=30.0, codec="h264",
        format="mov,mp4,m4a,3gp,3g2,mj2", has_video=True, stream_index=0, coded_width=1920,
        coded_height=1080, pix_fmt="yuv420p",
    )  # fmt: skip


def _estimate(seconds: float, **options) -> Estimate:
    calibration = Calibration(1.0, 0.5, 2, 30_000.0, 20_000.0, 0.0, fixed_first=0.4)
    size = int(seconds * 8e6 / 8)  # 8 Mbit/s
    defaults = dict(
        workers=2, probe_seconds=1.0, uplink_mbps=50.0, uplink_source="given",
        capacity=CloudCapacity(), segments=True,
    )  # fmt: skip
    return estimate("clip.mp4", _media(seconds), size, Settings(), calibration,
                    **{**defaults, **options})  # fmt: skip


def test_with_segments_the_first_preview_comes_after_one_segment_whatever_the_length():
    short, long = _estimate(600), _estimate(3600)
    assert short.upload_mode == "segments"
    assert abs(short.first_preview_seconds - long.first_preview_seconds) < 0.01
    whole = _estimate(3600, segments=False)
    assert whole.first_preview_seconds > whole.cloud_parts["upload"]  # after the whole file
    # What is left after the upload is about one render, not the start and every round.
    after = long.cloud_seconds - long.cloud_parts["upload"]
    assert after < whole.cloud_seconds - whole.cloud_parts["upload"] and after < 30


def test_an_upload_limit_is_the_uplink_when_it_is_lower():
    limited = _estimate(600, upload_limit_mbps=10.0)
    assert limited.uplink_mbps == 10.0 and limited.uplink_source == "limit"
    assert limited.cloud_parts["upload"] > 4.5 * _estimate(600).cloud_parts["upload"]
    assert _estimate(600, upload_limit_mbps=500.0).uplink_mbps == 50.0


def test_both_at_once_is_no_slower_than_the_faster_alone():
    for uplink in (5.0, 50.0, 1000.0):
        found = _estimate(1800, uplink_mbps=uplink)
        assert found.hybrid_seconds is not None
        assert found.hybrid_seconds <= min(found.local_seconds, found.cloud_seconds) + 1
        assert 0 <= found.hybrid_local_snippets <= found.snippets
    slow_uplink, fast_uplink = _estimate(1800, uplink_mbps=5.0), _estimate(1800, uplink_mbps=1000)
    assert slow_uplink.hybrid_local_snippets > fast_uplink.hybrid_local_snippets
    assert _estimate(1800, segments=False).hybrid_seconds is None


def test_the_first_snippet_needs_no_seek_in_the_local_estimate():
    calibration = Calibration(2.0, 0.5, 1, 1.0, 1.0, 0.0, fixed_first=0.5)
    snippets = plan(60.0, Settings(snippet_seconds=30))
    assert local_seconds(snippets, calibration, 1) == (0.5 + 15) + (2.0 + 15)


def test_a_video_in_s3_is_not_estimated_here(capsys):
    assert main(["estimate", "s3://footage/day 1/a.mp4"]) == 1
    assert "s3://footage/day 1/a.mp4: a video in S3 cannot be estimated here" in (
        capsys.readouterr().err
    )
