"""render_snippet(): GIF and stills of one snippet, checked by decoding what was written."""

from __future__ import annotations

import asyncio
import math
import shutil
import time
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from core.errors import RenderError
from core.input_safety import as_source
from core.layout import WORK_DIR, frame_relpath, gif_relpath
from core.plan import Snippet, frame_indices, frame_time, plan
from core.probe import MediaInfo, probe
from core.render import SnippetOutput, build_args, output_size, read_progress, render_snippet
from core.settings import Settings

from . import media

# Step levels are 40 apart: a still within this of the expected level shows the right second.
TOLERANCE = 12


def render(path: Path, snippet: Snippet, settings: Settings, job: Path, **kw) -> SnippetOutput:
    info = asyncio.run(probe(path))
    return asyncio.run(render_snippet(as_source(path), info, snippet, settings, job, **kw))


def render_all(path: Path, settings: Settings, job: Path) -> list[SnippetOutput]:
    info = asyncio.run(probe(path))
    source = as_source(path)

    async def run() -> list[SnippetOutput]:
        return [
            await render_snippet(source, info, snippet, settings, job)
            for snippet in plan(info.duration, settings)
        ]

    return asyncio.run(run())


def assert_steps(ffmpeg: str, job: Path, outputs: list[SnippetOutput], settings: Settings) -> None:
    """Every still shows the brightness of the second it was taken at."""
    frames = [frame for output in outputs for frame in output.frames]
    assert frames, "no stills"
    for n, relpath in frames:
        second = math.floor(frame_time(n, settings) + 1e-6)
        level = media.luma(ffmpeg, job / relpath)
        assert abs(level - media.STEP_LEVELS[second]) <= TOLERANCE, (
            f"still {n} at {frame_time(n, settings)} s shows {level}, "
            f"expected second {second} ({media.STEP_LEVELS[second]})"
        )


def gif_facts(path: Path) -> dict:
    with Image.open(path) as image:
        assert image.format == "GIF"
        delays = []
        for i in range(image.n_frames):
            image.seek(i)
            delays.append(image.info["duration"])
        return {"size": image.size, "frames": image.n_frames, "loop": image.info.get("loop"),
                "ms": sum(delays)}  # fmt: skip


def image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


# -- frame accuracy --------------------------------------------------------------------------


def test_still_for_second_t_shows_second_t(make_video, ffmpeg, tmp_path: Path) -> None:
    settings = Settings(snippet_seconds=3)
    outputs = render_all(make_video(media.STEP_MP4), settings, tmp_path)
    assert [[n for n, _ in o.frames] for o in outputs] == [[0, 1, 2], [3, 4, 5], [6, 7]]
    assert_steps(ffmpeg, tmp_path, outputs, settings)


def test_snippet_with_a_non_zero_start_alone(make_video, ffmpeg, tmp_path: Path) -> None:
    settings = Settings(snippet_seconds=3)
    output = render(make_video(media.STEP_MP4), Snippet(2, 6.0, 7.52), settings, tmp_path)
    assert output.frames == [(6, frame_relpath(6)), (7, frame_relpath(7))]
    assert output.gif == gif_relpath(2)
    assert_steps(ffmpeg, tmp_path, [output], settings)
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["000006.jpg", "000007.jpg"]


def test_snippet_boundaries_inside_a_second(make_video, ffmpeg, tmp_path: Path) -> None:
    """Snippets of 2.5 s with stills every 0.5 s: boundaries fall mid-second."""
    settings = Settings(snippet_seconds=2.5, frame_interval=0.5)
    outputs = render_all(make_video(media.STEP_MP4), settings, tmp_path)
    assert [[n for n, _ in o.frames] for o in outputs] == [
        list(range(0, 5)),
        list(range(5, 10)),
        list(range(10, 15)),
        list(range(15, 16)),
    ]
    assert_steps(ffmpeg, tmp_path, outputs, settings)


def test_interval_not_dividing_the_snippet_length(make_video, ffmpeg, tmp_path: Path) -> None:
    settings = Settings(snippet_seconds=2, frame_interval=0.7)
    outputs = render_all(make_video(media.STEP_MP4), settings, tmp_path)
    produced = [n for o in outputs for n, _ in o.frames]
    assert produced == list(range(11))  # 0, 0.7, … 7.0 < 7.52
    for output, snippet in zip(outputs, plan(7.52, settings), strict=True):
        assert [n for n, _ in output.frames] == list(
            frame_indices(snippet.start, snippet.end, settings)
        )
    assert_steps(ffmpeg, tmp_path, outputs, settings)


@pytest.mark.parametrize("gif_fps", [5, 10, 50])
def test_tail_shorter_than_one_picture(make_video, ffmpeg, tmp_path: Path, gif_fps: int) -> None:
    """The last 20 ms of the video begin inside a picture's display time (7.48–7.52 s) and
    shorter than a GIF frame: the snippet still shows that picture."""
    settings = Settings(snippet_seconds=2.5, frame_interval=0.5, gif_fps=gif_fps)
    output = render(make_video(media.STEP_MP4), Snippet(3, 7.5, 7.52), settings, tmp_path)
    assert gif_facts(tmp_path / output.gif)["frames"] == 1
    assert output.frames == [(15, frame_relpath(15))]
    assert_steps(ffmpeg, tmp_path, [output], settings)


@pytest.mark.parametrize(
    "spec",
    [media.STEP_MKV, media.STEP_TS, media.LONG_GOP_TS, media.STEP_VFR_MP4],
    ids=lambda s: s.filename,
)
def test_stills_are_accurate_in_other_containers(
    make_video, ffmpeg, tmp_path: Path, spec: media.Spec
) -> None:
    """MPEG-TS starts at a non-zero timestamp and cannot seek to keyframes; the variable
    frame rate video changes its rate mid-way."""
    settings = Settings(snippet_seconds=3)
    outputs = render_all(make_video(spec), settings, tmp_path)
    assert len(outputs) >= 2
    assert_steps(ffmpeg, tmp_path, outputs, settings)


# -- GIFs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fps", [5, 10, 25])
def test_gif_rate_loop_and_duration_per_snippet(make_video, tmp_path: Path, fps: int) -> None:
    settings = Settings(snippet_seconds=3, gif_fps=fps, gif_width=80, frames=False)
    outputs = render_all(make_video(media.STEP_MP4), settings, tmp_path)
    for output, snippet in zip(outputs, plan(7.52, settings), strict=True):
        facts = gif_facts(tmp_path / output.gif)
        assert facts["size"] == (80, 60)
        assert facts["loop"] == 0  # loops forever
        assert abs(facts["frames"] - snippet.duration * fps) <= 1
        assert abs(facts["ms"] - snippet.duration * 1000) <= 1000 / fps + 10


@pytest.mark.parametrize("spec", [media.STEP_MP4, media.LONG_GOP_TS], ids=lambda s: s.filename)
def test_gif_frame_k_shows_the_picture_at_start_plus_k_over_fps(
    make_video, tmp_path: Path, spec: media.Spec
) -> None:
    settings = Settings(snippet_seconds=3, gif_fps=4, gif_width=32, frames=False)
    output = render(make_video(spec), Snippet(1, 3.0, 6.0), settings, tmp_path)
    with Image.open(tmp_path / output.gif) as gif:
        assert gif.n_frames == 12
        for k in range(gif.n_frames):
            gif.seek(k)
            level = ImageStat.Stat(gif.convert("L")).mean[0]
            second = math.floor(3.0 + k / 4)
            assert abs(level - media.STEP_LEVELS[second]) <= TOLERANCE, (k, level)


def test_gif_of_mpegts_snippet_is_not_longer_than_the_snippet(make_video, tmp_path: Path) -> None:
    settings = Settings(snippet_seconds=3, frames=False)
    outputs = render_all(make_video(media.LONG_GOP_TS), settings, tmp_path)
    for output, snippet in zip(outputs, plan(8.0, settings), strict=True):
        facts = gif_facts(tmp_path / output.gif)
        assert abs(facts["frames"] - snippet.duration * 10) <= 1


def test_gif_is_never_upscaled(make_video, tmp_path: Path) -> None:
    output = render(make_video(media.H264_MP4), Snippet(0, 0, 2), Settings(gif_width=320), tmp_path)
    assert gif_facts(tmp_path / output.gif)["size"] == (160, 120)


def test_gif_uses_a_palette_per_snippet(make_video, tmp_path: Path) -> None:
    """Snippets of different content get different palettes (palettegen per snippet)."""
    settings = Settings(snippet_seconds=1, frames=False)
    path = make_video(media.STEP_MP4)
    dark = render(path, Snippet(0, 0.0, 1.0), settings, tmp_path)
    bright = render(path, Snippet(5, 5.0, 6.0), settings, tmp_path)
    with Image.open(tmp_path / dark.gif) as a, Image.open(tmp_path / bright.gif) as b:
        assert a.getpalette() != b.getpalette()


# -- stills ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame_width", "size"),
    [(0, (160, 120)), (100, (100, 75)), (400, (160, 120)), (16, (16, 12))],
)
def test_frame_width(make_video, tmp_path: Path, frame_width: int, size: tuple[int, int]) -> None:
    settings = Settings(frame_width=frame_width)
    output = render(make_video(media.H264_MP4), Snippet(0, 0, 2), settings, tmp_path)
    assert len(output.frames) == 2
    for _, relpath in output.frames:
        assert image_size(tmp_path / relpath) == size


def test_frames_off_writes_only_the_gif(make_video, tmp_path: Path) -> None:
    output = render(make_video(media.H264_MP4), Snippet(0, 0, 2), Settings(frames=False), tmp_path)
    assert output.frames == []
    assert (tmp_path / output.gif).is_file()
    assert not (tmp_path / "frames").exists()


def test_jpeg_quality_changes_the_stills(make_video, tmp_path: Path) -> None:
    path = make_video(media.H264_MP4)
    low = render(path, Snippet(0, 0, 1), Settings(jpeg_quality=5), tmp_path / "low")
    high = render(path, Snippet(0, 0, 1), Settings(jpeg_quality=95), tmp_path / "high")
    low_bytes = (tmp_path / "low" / low.frames[0][1]).stat().st_size
    high_bytes = (tmp_path / "high" / high.frames[0][1]).stat().st_size
    assert high_bytes > 1.5 * low_bytes


def test_odd_size_video(make_video, tmp_path: Path) -> None:
    path = make_video(media.ODD_SIZE_MP4)
    output = render(path, Snippet(0, 0, 2), Settings(), tmp_path / "default")
    assert gif_facts(tmp_path / "default" / output.gif)["size"] == (240, 135)
    assert image_size(tmp_path / "default" / output.frames[0][1]) == (640, 361)  # 640·405/719
    full = render(path, Snippet(0, 0, 2), Settings(frame_width=0), tmp_path / "full")
    assert image_size(tmp_path / "full" / full.frames[0][1]) == (719, 405)


def test_non_square_pixels_are_shown_at_display_aspect(make_video, tmp_path: Path) -> None:
    output = render(
        make_video(media.ANAMORPHIC_MP4), Snippet(0, 0, 2), Settings(frame_width=0), tmp_path
    )
    width, height = image_size(tmp_path / output.frames[0][1])
    assert abs(width / height - 16 / 9) < 0.02
    gif_w, gif_h = gif_facts(tmp_path / output.gif)["size"]
    assert abs(gif_w / gif_h - 16 / 9) < 0.02


# A white band on the left of the coded picture: where it ends up shows the turn applied.
# Grid cells are [top-left, top-right, bottom-left, bottom-right].
@pytest.mark.parametrize(
    ("spec", "bright_cells"),
    [
        (media.ROTATED_90, [2, 3]),  # turned 90° counter-clockwise: left edge to the bottom
        (media.ROTATED_270, [0, 1]),  # turned 90° clockwise: left edge to the top
        (media.ROTATED_180, [1, 3]),  # upside down: left edge to the right
        (media.BAND_MP4, [0, 2]),
    ],
    ids=lambda v: v.filename if isinstance(v, media.Spec) else "",
)
def test_rotated_video_renders_upright(
    make_video, ffmpeg, tmp_path: Path, spec: media.Spec, bright_cells: list[int]
) -> None:
    path = make_video(spec)
    info = asyncio.run(probe(path))
    output = render(path, Snippet(0, 0, 3), Settings(gif_width=60, frame_width=90), tmp_path)
    portrait = info.rotation in (90, 270)
    expected_gif = (60, 80) if portrait else (60, 45)
    expected_still = (90, 120) if portrait else (90, 68)
    assert gif_facts(tmp_path / output.gif)["size"] == expected_gif
    for still in [tmp_path / relpath for _, relpath in output.frames] + [tmp_path / output.gif]:
        if still.suffix == ".jpg":
            assert image_size(still) == expected_still
        cells = media.luma_grid(ffmpeg, still, 2, 2)
        bright = [i for i, level in enumerate(cells) if level > 64]
        assert bright == bright_cells, f"{still.name}: {cells}"


# -- files and failures ----------------------------------------------------------------------


def test_outputs_land_at_their_final_names_and_scratch_is_removed(
    make_video, tmp_path: Path
) -> None:
    output = render(make_video(media.H264_MP4), Snippet(0, 0, 2), Settings(), tmp_path)
    assert output.gif == "gifs/00000.gif"
    assert output.frames == [(0, "frames/000000.jpg"), (1, "frames/000001.jpg")]
    assert output.seconds > 0
    names = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert names == ["frames/000000.jpg", "frames/000001.jpg", "gifs/00000.gif"]
    assert not [p for p in (tmp_path / WORK_DIR).rglob("*") if p.is_file()]


def test_failed_render_keeps_earlier_outputs(make_video, tmp_path: Path) -> None:
    path = make_video(media.H264_MP4)
    good = render(path, Snippet(0, 0, 2), Settings(), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    # Past the end of the video: ffmpeg decodes nothing.
    with pytest.raises(RenderError) as caught:
        render(path, Snippet(0, 10.0, 12.0), Settings(), tmp_path)
    assert str(caught.value).startswith("snippet 1 (0:10–0:12): ")
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before
    assert (tmp_path / good.gif).is_file()


def test_input_gone_since_probing_is_named_in_the_error(make_video, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    shutil.copy(make_video(media.H264_MP4), path)
    info = asyncio.run(probe(path))
    path.unlink()
    with pytest.raises(RenderError) as caught:
        asyncio.run(render_snippet(as_source(path), info, Snippet(0, 0, 2), Settings(), tmp_path))
    assert str(caught.value) == (
        "snippet 1 (0:00–0:02): Error opening input: No such file or directory"
    )


def test_render_timeout_is_a_render_error(make_video, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"snippet 1 \(0:00–0:24\): rendering took longer than"):
        render(make_video(media.SLOW_MP4), Snippet(0, 0, 24), Settings(), tmp_path, timeout=0.2)
    assert not (tmp_path / "gifs").exists()


def test_progress_is_a_fraction_of_the_snippet(make_video, tmp_path: Path) -> None:
    seen: list[float] = []
    render(
        make_video(media.STEP_MP4),
        Snippet(1, 3.0, 6.0),
        Settings(snippet_seconds=3),
        tmp_path,
        on_progress=seen.append,
    )
    assert seen
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen[-1] >= 0.9


def test_output_size_never_upscales_and_keeps_the_aspect() -> None:
    info = MediaInfo(
        duration=1.0, width=719, height=405, rotation=0, fps=25.0, codec="h264", format="mov",
        has_video=True, stream_index=0, coded_width=719, coded_height=405, pix_fmt="yuv420p",
    )  # fmt: skip
    assert output_size(info, 240) == (240, 135)
    assert output_size(info, 0) == (719, 405)
    assert output_size(info, 4000) == (719, 405)
    assert output_size(info, 101) == (101, 57)


def test_arguments_are_a_list_with_hostile_names_kept_whole(make_video, tmp_path: Path) -> None:
    name = "$(touch pwned) -y ;|& 'x'.mp4"
    path = tmp_path / name
    path.write_bytes(make_video(media.H264_MP4).read_bytes())
    info = asyncio.run(probe(path))
    args = build_args(
        "ffmpeg", as_source(path), info, Snippet(0, 0, 2), Settings(),
        tmp_path / "o%d" / "a.gif", tmp_path / "o%d" / "frames",
    )  # fmt: skip
    assert all(isinstance(a, str) for a in args)
    assert f"file:{path}" in args
    assert args[args.index("-f") + 1] == "mov"  # the probed demuxer, forced
    assert args[args.index("-protocol_whitelist") + 1] == "file"
    assert f"file:{tmp_path}/o%%d/frames/%06d.jpg" in args  # literal % in a folder doubled


@pytest.mark.parametrize("frames", [True, False], ids=["stills", "gif-only"])
def test_progress_moves_while_the_snippet_decodes(make_video, tmp_path: Path, frames: bool) -> None:
    # ffmpeg's -progress says nothing until every output has started, and the GIF's starts
    # only once its palette is made from the whole snippet: a bar fed by it sat at 0 % for
    # most of each render, then jumped.
    seen: list[tuple[float, float]] = []
    began = time.monotonic()
    render(
        make_video(media.SLOW_MP4),
        Snippet(1, 12.0, 24.0),
        Settings(snippet_seconds=12, gif_width=480, frames=frames),
        tmp_path,
        threads=1,
        on_progress=lambda f: seen.append((time.monotonic() - began, f)),
    )
    took = time.monotonic() - began
    early = [f for at, f in seen if at < 0.6 * took]
    assert any(0.0 < f < 0.9 for f in early), (took, seen)
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and fractions[-1] > 0.9


def test_progress_is_read_from_whole_lines_only(tmp_path: Path) -> None:
    log = tmp_path / "progress.log"
    assert read_progress(log, 0) == (0, None)  # not written yet
    log.write_bytes(b"frame:0    pts:0       pts_time:0\nframework.progress=1\nframe:1    pts:1")
    offset, position = read_progress(log, 0)
    assert position == 0.0 and offset == len(
        b"frame:0    pts:0       pts_time:0\nframework.progress=1\n"
    )
    with log.open("ab") as handle:
        handle.write(b"       pts_time:0.1\n")
    assert read_progress(log, offset) == (log.stat().st_size, 0.1)
