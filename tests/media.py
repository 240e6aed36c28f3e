"""Test videos, generated with ffmpeg's lavfi sources (never downloaded, never mocked).

Each :class:`Spec` describes one file; the ``make_video`` fixture generates it once per
session. The catalog at the end names the videos the tests share.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from core.ffmpeg_locator import find_ffmpeg

# Brightness of second s of a step video: far apart, so lossy coding cannot blur two steps.
STEP_LEVELS = [20 + 40 * (s % 6) for s in range(60)]

H264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"]


@dataclass(frozen=True)
class Spec:
    """How to make one test video: from a lavfi graph, or from another spec's file (``base``)
    opened with ``input_options`` (e.g. to stream-copy it with a display rotation)."""

    filename: str
    source: str = ""  # lavfi graph for the video (when there is no base)
    codec: list[str] = field(default_factory=lambda: list(H264))
    extra_inputs: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    base: Spec | None = None
    input_options: list[str] = field(default_factory=list)
    more_inputs: tuple[Spec, ...] = ()  # further input files, after extra_inputs


def step_source(
    seconds: float, size: str = "160x120", rate: int = 25, setpts: str = "", pictures: int = 0
) -> str:
    """A video whose brightness steps once per second (level of second s: STEP_LEVELS[s]).

    With ``setpts`` (an expression retiming ``pictures`` pictures, e.g. to a variable frame
    rate) the steps follow the new timestamps, up to ``seconds``.
    """
    second = "floor(T+0.0001)" if setpts else f"floor(N/{rate})"
    levels = "+".join(
        f"{level - STEP_LEVELS[0]}*eq({second},{s})"
        for s, level in enumerate(STEP_LEVELS[: int(seconds) + 1])
    )
    retime = f"setpts='{setpts}'," if setpts else ""
    # geq evaluates its expression per pixel: it paints a tiny picture, scale enlarges it.
    return (
        f"color=c=black:s=16x16:r={rate}:d={pictures / rate if pictures else seconds},"
        f"{retime}format=gray,geq=lum='{STEP_LEVELS[0]}+{levels}',"
        f"scale={size.replace('x', ':')},setsar=1,format=yuv420p"
    )


def make(spec: Spec, folder: Path) -> Path:
    """Generate ``spec`` under ``folder`` unless it is already there.

    Each spec gets a subfolder named by a digest of the whole spec, so two specs that share
    a file name never share a file; the file itself keeps the name the tests expect.
    """
    digest = hashlib.sha256(repr(spec).encode("utf-8")).hexdigest()[:16]
    path = folder / digest / spec.filename
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if spec.base is not None:
        inputs = [*spec.input_options, "-i", str(make(spec.base, folder))]
    else:
        inputs = [*spec.input_options, "-f", "lavfi", "-i", spec.source]
    inputs += spec.extra_inputs
    for other in spec.more_inputs:
        inputs += ["-i", str(make(other, folder))]
    tmp = path.with_name(".tmp-" + path.name)
    args = [
        find_ffmpeg(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        *inputs, *spec.codec, *spec.extra,
        "-f", _muxer(path), str(tmp),
    ]  # fmt: skip
    subprocess.run(args, check=True, timeout=300)
    tmp.rename(path)
    return path


def _muxer(path: Path) -> str:
    return {
        ".mp4": "mp4",
        ".mov": "mov",
        ".mkv": "matroska",
        ".webm": "webm",
        ".ts": "mpegts",
        ".avi": "avi",
        ".mpg": "mpeg",
        ".flv": "flv",
        ".ogv": "ogg",
        ".m4a": "ipod",
        ".mp3": "mp3",
        ".wav": "wav",
        ".png": "image2",
        ".jpg": "image2",
    }.get(path.suffix.lower(), "mp4")


def luma(ffmpeg: str, image: Path) -> float:
    """Mean brightness (0–255) of an image, decoded by ffmpeg."""
    return luma_grid(ffmpeg, image, 1, 1)[0]


def luma_grid(ffmpeg: str, image: Path, columns: int, rows: int) -> list[float]:
    """Mean brightness of each cell of a ``columns`` × ``rows`` grid over an image, row by
    row (e.g. 2×1 gives the left and the right half)."""
    raw = subprocess.run(
        [ffmpeg, "-hide_banner", "-loglevel", "error", "-i", str(image),
         "-vf", f"scale={columns}:{rows}:flags=area,format=gray", "-f", "rawvideo", "-"],
        check=True, capture_output=True, timeout=60,
    ).stdout  # fmt: skip
    return [float(b) for b in raw[: columns * rows]]


def truncated_copy(source: Path, target: Path, keep: float) -> Path:
    """Copy the first ``keep`` fraction of ``source``'s bytes to ``target``."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


# -- the catalog ----------------------------------------------------------------------------

# Brightness steps each second; 7.5 s gives snippets of 3 s a fractional tail (3 + 3 + 1.5).
STEP_MP4 = Spec("step.mp4", step_source(7.5))
STEP_TS = Spec("step.ts", step_source(5))  # MPEG-TS starts at a non-zero timestamp
STEP_MKV = Spec("step.mkv", step_source(5))

# A phone held upright: landscape pixels plus a display matrix turning them. The left third
# of the coded picture is white, so where the white band ends up shows which way it turned.
BAND_MP4 = Spec(
    "band.mp4", "color=c=black:s=160x120:r=25:d=3,drawbox=x=0:y=0:w=40:h=120:c=white:t=fill"
)
ROTATED_90 = Spec(
    "rotated-90.mp4", base=BAND_MP4, input_options=["-display_rotation", "90"], codec=["-c", "copy"]
)
ROTATED_270 = Spec(
    "rotated-270.mp4",
    base=BAND_MP4,
    input_options=["-display_rotation", "-90"],
    codec=["-c", "copy"],
)
ROTATED_180 = Spec(
    "rotated-180.mov",
    base=BAND_MP4,
    input_options=["-display_rotation", "180"],
    codec=["-c", "copy"],
)

H264_MP4 = Spec("h264.mp4", "testsrc2=s=160x120:r=25:d=2")
VP9_WEBM = Spec(
    "vp9.webm",
    "testsrc2=s=160x120:r=30:d=2",
    codec=["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "200k"],
)
HEVC10_MOV = Spec(
    "hevc10.mov",
    "testsrc2=s=160x120:r=24:d=2",
    codec=[
        "-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1",
        "-preset", "ultrafast", "-x265-params", "log-level=error",
    ],
)  # fmt: skip
H264_MKV = Spec("h264.mkv", "testsrc2=s=160x120:r=25:d=2")
H264_TS = Spec("h264.ts", "testsrc2=s=160x120:r=25:d=2")
MPEG4_AVI = Spec("mpeg4.avi", "testsrc2=s=160x120:r=25:d=2", codec=["-c:v", "mpeg4"])
# 2 s at 25 fps, then 3 s at 5 fps: timestamps, not a frame rate, give the duration.
VFR_PTS = "if(lt(N,50),N/25,2+(N-50)/5)/TB"
VFR_MP4 = Spec(
    "vfr.mp4", f"testsrc2=s=160x120:r=25:d=2.6,setpts='{VFR_PTS}'", extra=["-fps_mode", "vfr"]
)
# The same timing, brightness stepping each second of the new timestamps (10 fps after 2 s).
STEP_VFR_MP4 = Spec(
    "step-vfr.mp4",
    step_source(9.2, setpts="if(lt(N,50),N/25,2+(N-50)/10)/TB", pictures=122),
    extra=["-fps_mode", "vfr"],
)
ODD_SIZE_MP4 = Spec(
    "odd-719x405.mp4",
    "testsrc=s=719x405:r=25:d=2",
    codec=["-c:v", "libx264", "-pix_fmt", "yuv444p", "-preset", "ultrafast"],
)
# Anamorphic: 160×120 stored pixels, each 4:3 wide, shown as 213×120.
ANAMORPHIC_MP4 = Spec("anamorphic.mp4", "testsrc2=s=160x120:r=25:d=2,setsar=4/3")
# Audio that outlasts the video: the video's end is the duration.
LONG_AUDIO_MP4 = Spec(
    "long-audio.mp4",
    "testsrc2=s=160x120:r=25:d=2",
    extra_inputs=["-f", "lavfi", "-i", "sine=d=4"],
    extra=["-c:a", "aac", "-map", "0:v", "-map", "1:a"],
)
# Long enough that a render takes a while: for cancelling and pausing mid-render.
SLOW_MP4 = Spec("slow.mp4", "testsrc2=s=640x360:r=30:d=24")
# moov first: cutting it leaves an index that promises more than the file holds.
FASTSTART_MP4 = Spec(
    "faststart.mp4", "testsrc2=s=160x120:r=25:d=4", extra=["-movflags", "+faststart"]
)

AUDIO_M4A = Spec("audio.m4a", "sine=d=2", codec=["-c:a", "aac"])
COVER_PNG = Spec("cover.png", "color=c=red:s=64x64", codec=["-frames:v", "1"])
COVER_ART_M4A = Spec(
    "cover-art.m4a",
    "sine=d=2",
    more_inputs=(COVER_PNG,),
    codec=["-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "mjpeg"],
    extra=["-disposition:v:0", "attached_pic"],
)
AUDIO_MP3 = Spec("audio.mp3", "sine=d=2", codec=["-c:a", "libmp3lame"])
AUDIO_WAV = Spec("audio.wav", "sine=d=1", codec=["-c:a", "pcm_s16le"])
IMAGE_PNG = Spec("image.png", "testsrc2=s=160x120", codec=["-frames:v", "1"])
IMAGE_JPG = Spec("image.jpg", "testsrc2=s=160x120", codec=["-frames:v", "1"])
# The video is the second stream, after an audio track.
AUDIO_FIRST_MKV = Spec(
    "audio-first.mkv",
    "sine=d=2",
    extra_inputs=["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25:d=2"],
    codec=["-map", "0:a", "-map", "1:v", "-c:a", "libopus", *H264],
)
# MPEG-TS with keyframes 5 s apart: its seeking does not land on keyframes.
LONG_GOP_TS = Spec("long-gop.ts", step_source(8), codec=[*H264, "-g", "125", "-sc_threshold", "0"])

# Keyframes every 2 s exactly (no scene cuts): an overview picture per keyframe.
KEYFRAMES_MP4 = Spec(
    "keyframes.mp4", step_source(20), codec=[*H264, "-g", "50", "-sc_threshold", "0"]
)
# Every picture a keyframe, over a minute: the overview keeps one every 0.6 s.
ALL_KEYFRAMES_MP4 = Spec("all-keyframes.mp4", step_source(60), codec=[*H264, "-g", "1"])
# The same at 1280x720: a sweep long enough (seconds, on any machine) to be stopped midway.
ALL_KEYFRAMES_HD_MP4 = Spec(
    "all-keyframes-hd.mp4", step_source(60, size="1280x720"), codec=[*H264, "-g", "1"]
)
# An intra-only codec: the overview drops packets before decoding them.
MJPEG_AVI = Spec("mjpeg.avi", step_source(20), codec=["-c:v", "mjpeg", "-q:v", "8"])

# Start timecodes: a QuickTime tmcd track (also shown on the video stream), drop-frame at
# 29.97, Matroska's and MXF's container tags; and a tag that is no timecode at all.
TIMECODE_MOV = Spec(
    "timecode.mov",
    step_source(8, size="320x240"),
    extra_inputs=["-f", "lavfi", "-i", "sine=d=8"],
    codec=[*H264, "-g", "25", "-c:a", "aac"],
    extra=["-timecode", "01:00:00:00", "-shortest"],
)
TIMECODE_DF_MOV = Spec(
    "timecode-df.mov", "testsrc2=s=160x120:r=30000/1001:d=1", extra=["-timecode", "00:59:59;28"]
)
TIMECODE_MKV = Spec(
    "timecode.mkv", "testsrc2=s=160x120:r=24:d=1", extra=["-timecode", "10:00:00:00"]
)
TIMECODE_MXF = Spec(
    "timecode.mxf",
    "testsrc2=s=160x120:r=25:d=1",
    codec=["-c:v", "mpeg2video"],
    extra=["-timecode", "09:59:59:24"],
)
HOSTILE_TIMECODE_MKV = Spec(
    "hostile-timecode.mkv",
    "testsrc2=s=160x120:r=25:d=1",
    extra=["-metadata", "timecode=$(rm -rf ~)"],
)
# Keyframes 5 s apart and B-frames, with 2 s snippets: a snippet's segment starts up to a
# whole GOP before it, and pictures are stored out of display order.
STEP_LONG_GOP_MP4 = Spec(
    "step-long-gop.mp4",
    step_source(8),
    codec=[*H264[:-2], "-preset", "veryfast", "-bf", "2", "-g", "125", "-sc_threshold", "0"],
)
# Keyframes every 10 pictures: cheap to cut into segments.
STEP_SHORT_GOP_MP4 = Spec(
    "step-short-gop.mp4", step_source(6), codec=[*H264, "-g", "10", "-sc_threshold", "0"]
)
# The same, with noise: big enough that a segment's bytes are mostly pictures.
NOISY_SHORT_GOP_MP4 = Spec(
    "noisy-short-gop.mp4",
    "testsrc2=s=320x240:r=25:d=6,noise=alls=30:allf=t",
    codec=[*H264, "-g", "10", "-sc_threshold", "0"],
)
# Small enough to send slowly on purpose: about 40 KB a second of video.
NOISY_SMALL_MP4 = Spec(
    "noisy-small.mp4",
    "testsrc2=s=160x120:r=25:d=6,noise=alls=12:allf=t",
    codec=[*H264, "-g", "10", "-sc_threshold", "0"],
)
