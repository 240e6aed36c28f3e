"""The generated-media cache never hands one spec's video to another."""

from __future__ import annotations

from . import media


def test_two_specs_with_one_file_name_get_two_videos(make_video, ffmpeg: str) -> None:
    dark = make_video(media.Spec("same-name.mp4", "color=c=black:s=32x32:r=5:d=1"))
    light = make_video(media.Spec("same-name.mp4", "color=c=white:s=32x32:r=5:d=1"))
    assert dark.name == light.name == "same-name.mp4"
    assert media.luma(ffmpeg, dark) < 40 and media.luma(ffmpeg, light) > 215
