"""Segments: a snippet cut without re-encoding renders exactly as from the whole video, and
the client chooses segments only when the video can be cut cleanly."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest

from core.cloud.segments import (
    AUTO,
    SEGMENTS,
    WHOLE,
    SegmentError,
    choose_upload,
    cut_segment,
)
from core.input_safety import as_source
from core.plan import plan
from core.probe import probe
from core.render import render_snippet
from core.settings import Settings

from .. import media
from ..test_render import assert_steps

SNIPPETS = Settings(snippet_seconds=2, frame_interval=0.5, gif_fps=10, gif_width=64, frame_width=80)


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_snippet_rendered_from_its_segment_is_the_one_from_the_whole_video(
    make_video, ffmpeg, tmp_path
):
    """Keyframes every 5 s, B-frames, 2 s snippets: every segment starts at the keyframe
    before its snippet, and renders the same GIF and stills, byte for byte."""
    video = make_video(media.STEP_LONG_GOP_MP4)
    info = asyncio.run(probe(video))
    snippets = plan(info.duration, SNIPPETS)
    starts = []

    async def run() -> None:
        for snippet in snippets:
            last = snippet is snippets[-1]
            segment = await cut_segment(
                as_source(video), info, snippet, tmp_path / f"s{snippet.index}.mov", last=last
            )
            cut = await probe(segment)
            starts.append(cut.start)
            as_segment = info.__class__(
                **{**info.__dict__, "format": cut.format, "stream_index": 0}
            )
            await render_snippet(
                as_source(segment), as_segment, snippet, SNIPPETS, tmp_path / "segments",
                offset=cut.start,
            )  # fmt: skip
            await render_snippet(as_source(video), info, snippet, SNIPPETS, tmp_path / "whole")

    asyncio.run(run())
    assert starts == [0.0, 0.0, 0.0, 5.0]  # a GOP before snippets 1, 2 and 3
    whole, segments = _digests(tmp_path / "whole"), _digests(tmp_path / "segments")
    assert whole == segments and len(whole) == 4 + 16  # 4 GIFs, 16 stills
    stills = [(n, f"frames/{n:06d}.jpg") for n in range(16)]
    assert_steps(ffmpeg, tmp_path / "segments", [_Output(stills)], SNIPPETS)


class _Output:
    def __init__(self, frames: list[tuple[int, str]]) -> None:
        self.frames = frames


def test_segments_keep_rotation_and_leave_audio_and_metadata_home(make_video, tmp_path):
    video = make_video(media.ROTATED_90)
    info = asyncio.run(probe(video))
    (snippet,) = plan(info.duration, Settings(snippet_seconds=60))
    cut = asyncio.run(cut_segment(as_source(video), info, snippet, tmp_path / "s.mov", last=True))
    found = asyncio.run(probe(cut))
    assert (found.rotation, found.width, found.height) == (info.rotation, info.width, info.height)
    with_audio = make_video(media.LONG_AUDIO_MP4)
    info = asyncio.run(probe(with_audio))
    (snippet,) = plan(info.duration, Settings(snippet_seconds=60))
    cut = asyncio.run(
        cut_segment(as_source(with_audio), info, snippet, tmp_path / "a.mov", last=True)
    )
    assert b"soun" not in cut.read_bytes()  # no sound track


@pytest.mark.parametrize(
    ("spec", "requested", "mode", "reason"),
    [
        (media.STEP_SHORT_GOP_MP4, AUTO, SEGMENTS, "3 segments"),
        (media.STEP_LONG_GOP_MP4, AUTO, WHOLE, "keyframes are far apart"),
        (media.STEP_LONG_GOP_MP4, SEGMENTS, SEGMENTS, "4 segments"),
        (media.STEP_TS, AUTO, WHOLE, "cannot be cut at keyframes"),
        (media.H264_MP4, AUTO, WHOLE, "one snippet"),
        (media.STEP_SHORT_GOP_MP4, WHOLE, WHOLE, "as asked"),
    ],
)
def test_the_upload_is_chosen_from_the_probe_and_a_trial_cut(
    make_video, tmp_path, spec, requested, mode, reason
):
    video = make_video(spec)
    info = asyncio.run(probe(video))
    settings = Settings(snippet_seconds=2 if spec is not media.H264_MP4 else 30)
    choice = asyncio.run(choose_upload(as_source(video), info, settings, requested, tmp_path))
    assert choice.mode == mode and reason in choice.reason
    assert list(tmp_path.iterdir()) == []  # the trial cut is removed


def test_segments_asked_for_a_video_that_cannot_be_cut_say_so(make_video, tmp_path):
    video = make_video(media.STEP_TS)
    info = asyncio.run(probe(video))
    with pytest.raises(SegmentError, match=r"step\.ts: cannot send segments: .*use --upload whole"):
        asyncio.run(choose_upload(as_source(video), info, SNIPPETS, SEGMENTS, tmp_path))
