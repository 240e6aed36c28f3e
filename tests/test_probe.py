"""probe(): what FrameFan reads about a video, on the codecs and containers it must handle."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from core.errors import InputRejectedError
from core.input_safety import as_source
from core.media_header import last_picture_end
from core.probe import MediaInfo, check_complete, probe, probe_early

from . import media, systems

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"
MKV = "matroska,webm"


def probed(path: Path, **options) -> MediaInfo:
    return asyncio.run(probe(path, **options))


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (media.H264_MP4, {"codec": "h264", "format": MP4, "fps": 25.0, "pix_fmt": "yuv420p"}),
        (media.VP9_WEBM, {"codec": "vp9", "format": MKV, "fps": 30.0}),
        (media.HEVC10_MOV, {"codec": "hevc", "format": MP4, "pix_fmt": "yuv420p10le"}),
        (media.H264_MKV, {"codec": "h264", "format": MKV, "fps": 25.0}),
        (media.H264_TS, {"codec": "h264", "format": "mpegts", "fps": 25.0}),
        (media.MPEG4_AVI, {"codec": "mpeg4", "format": "avi", "fps": 25.0}),
    ],
    ids=lambda v: v.filename if isinstance(v, media.Spec) else "",
)
def test_codecs_and_containers(make_video, spec: media.Spec, expected: dict) -> None:
    info = probed(make_video(spec))
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert (info.width, info.height) == (160, 120)
    assert (info.coded_width, info.coded_height) == (160, 120)
    assert info.rotation == 0
    assert info.has_video
    assert info.stream_index == 0
    for key, value in expected.items():
        assert getattr(info, key) == value, key
    assert info.demuxer == info.format.split(",")[0]


def test_hevc_10_bit_at_24_fps(make_video) -> None:
    info = probed(make_video(media.HEVC10_MOV))
    assert info.fps == 24.0
    assert info.demuxer == "mov"


def test_mpegts_duration_ignores_its_start_time(make_video) -> None:
    # MPEG-TS timestamps start at 1.4 s; the duration is still the video's length.
    assert probed(make_video(media.STEP_TS)).duration == pytest.approx(5.0, abs=0.05)


def test_fractional_duration(make_video) -> None:
    # 7.5 s at 25 fps is 188 pictures: the last one ends at 7.52 s.
    assert probed(make_video(media.STEP_MP4)).duration == pytest.approx(7.52, abs=0.001)


@pytest.mark.parametrize(
    ("spec", "rotation", "size"),
    [
        (media.ROTATED_90, 270, (120, 160)),  # turned 90° counter-clockwise by the player
        (media.ROTATED_270, 90, (120, 160)),
        (media.ROTATED_180, 180, (160, 120)),
        (media.BAND_MP4, 0, (160, 120)),
    ],
    ids=lambda v: v.filename if isinstance(v, media.Spec) else str(v),
)
def test_rotation_gives_the_displayed_size(
    make_video, spec: media.Spec, rotation: int, size: tuple[int, int]
) -> None:
    info = probed(make_video(spec))
    assert info.rotation == rotation
    assert (info.width, info.height) == size
    assert (info.coded_width, info.coded_height) == (160, 120)
    assert info.duration == pytest.approx(3.0, abs=0.05)


def test_variable_frame_rate_duration_comes_from_timestamps(make_video) -> None:
    info = probed(make_video(media.VFR_MP4))
    # 50 pictures at 25 fps, then 15 at 5 fps: the last starts at 4.8 s.
    assert 4.8 < info.duration <= 5.0
    assert info.fps > 0


def test_odd_size(make_video) -> None:
    info = probed(make_video(media.ODD_SIZE_MP4))
    assert (info.width, info.height) == (719, 405)
    assert info.pix_fmt == "yuv444p"


def test_non_square_pixels_give_the_display_width(make_video) -> None:
    info = probed(make_video(media.ANAMORPHIC_MP4))
    assert (info.coded_width, info.coded_height) == (160, 120)
    assert (info.width, info.height) == (213, 120)


def test_video_end_not_a_longer_audio_track(make_video) -> None:
    assert probed(make_video(media.LONG_AUDIO_MP4)).duration == pytest.approx(2.0, abs=0.05)


def test_video_after_an_audio_stream(make_video) -> None:
    info = probed(make_video(media.AUDIO_FIRST_MKV))
    assert info.stream_index == 1
    assert info.codec == "h264"
    assert info.duration == pytest.approx(2.0, abs=0.05)


def test_scan_off_gives_the_same_answer(make_video) -> None:
    path = make_video(media.STEP_MKV)
    assert probed(path, scan=False) == probed(path)


def test_source_name_is_used_in_messages(tmp_path: Path) -> None:
    path = tmp_path / "x.mp4"
    path.write_text("hello there, plain text\n")
    with pytest.raises(InputRejectedError) as caught:
        asyncio.run(probe(as_source(path, name="Upload 7.mp4")))
    assert str(caught.value) == "Upload 7.mp4: it is a text file, not a video"
    assert caught.value.name == "Upload 7.mp4"


def test_longer_than_allowed_is_rejected(make_video) -> None:
    with pytest.raises(InputRejectedError, match=r"h264\.mp4: it lasts .* h, more than the"):
        probed(make_video(media.H264_MP4), max_duration=1.0)


@systems.shell_scripts
def test_probe_that_stalls_is_stopped(make_video, tmp_path: Path, ffmpeg: str) -> None:
    # An ffmpeg that never answers (as on a hung network share): the timeout must end it,
    # however fast the machine.
    stalled = tmp_path / "stalled"
    stand_in = tmp_path / "ffmpeg"
    stand_in.write_text(
        f'#!/bin/sh\ncase " $* " in *" -version "*) exec "{ffmpeg}" "$@";; esac\n'
        f'touch "{stalled}"\nexec sleep 600\n'
    )
    stand_in.chmod(0o755)
    path = make_video(media.H264_MP4)
    with pytest.raises(InputRejectedError, match=r"h264\.mp4: reading it took longer than 1 s"):
        probed(path, timeout=1, ffmpeg=str(stand_in))
    assert stalled.exists()  # it was ffmpeg that stalled
    # (the autouse fixture checks it was not left running)


def test_media_info_as_dict(make_video) -> None:
    data = probed(make_video(media.H264_MP4)).to_dict()
    assert data["width"] == 160 and data["codec"] == "h264" and data["has_video"] is True


@pytest.mark.parametrize(
    ("spec", "timecode"),
    [
        (media.TIMECODE_MOV, "01:00:00:00"),  # tmcd track
        (media.TIMECODE_DF_MOV, "00:59:59;28"),  # drop-frame at 29.97
        (media.TIMECODE_MKV, "10:00:00:00"),  # Matroska TIMECODE tag
        (media.TIMECODE_MXF, "09:59:59:24"),  # MXF material package
        (media.H264_MP4, None),
        (media.HOSTILE_TIMECODE_MKV, None),  # free text is no timecode
    ],
    ids=lambda v: v.filename if isinstance(v, media.Spec) else "",
)
def test_start_timecode(make_video, spec: media.Spec, timecode: str | None) -> None:
    assert probed(make_video(spec)).timecode == timecode


def test_the_videos_end_is_where_its_last_whole_picture_ends() -> None:
    listed = [
        "#tb 0: 1/15360",
        "#media_type 0: video",
        "0,      75264,      75776,      512,     8941, 0xef0966f4, F=0x0",
        "0,      75776,      75264,      512,     8941, 0xef0966f5",  # B-frame: earlier pts
        "0,      76288,      76288,      512,      277, 0x6f2e84ee, F=0x2",  # cut short
    ]
    assert last_picture_end(listed) == pytest.approx((75776 + 512) / 15360)
    assert last_picture_end(["#tb 0: 1/90000"]) is None  # no packet: nothing read


def test_a_truncated_file_is_refused_before_the_work_or_checked_beside_it(
    make_video, tmp_path: Path
) -> None:
    cut = media.truncated_copy(make_video(media.FASTSTART_MP4), tmp_path / "cut.mp4", 0.6)
    with pytest.raises(InputRejectedError, match="the file is truncated"):
        asyncio.run(probe_early(cut))  # its end cannot be found: scanned at once
    info, scan_left = asyncio.run(probe_early(make_video(media.FASTSTART_MP4)))
    assert scan_left and info.duration == pytest.approx(4.0)
    asyncio.run(check_complete(make_video(media.FASTSTART_MP4), info))  # whole: no error
    with pytest.raises(InputRejectedError, match=r"cut.mp4: the file is truncated \(its data"):
        asyncio.run(check_complete(cut, info))
