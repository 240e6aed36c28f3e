"""``export still``: one picture of the video as a JPEG or PNG file.

By default the job's stored still on screen at the time (fast, no source needed); with
``full_size`` the picture is decoded again from the source at its full resolution.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from ..errors import ExportError, UsageError
from ..ffmpeg_locator import find_ffmpeg
from .job import ExportJob
from .output import check_output_file, staged_file
from .source_args import output_url, read_source, seconds_arg
from .work import ProgressCallback, Steps, in_thread, run_checked

IMAGE_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
JPEG_QUALITY = 92


@dataclass(frozen=True)
class StillResult:
    path: Path
    time: float  # seconds: the time of the picture
    width: int
    height: int


def image_format(path: Path, allowed: dict[str, str] = IMAGE_FORMATS) -> str:
    fmt = allowed.get(path.suffix.lower())
    if fmt is None:
        names = ", ".join(sorted(allowed))
        raise UsageError(f"{path}: unknown image type (the name must end with {names})")
    return fmt


async def export_still(
    job: ExportJob,
    at: float,
    output: Path,
    *,
    full_size: bool = False,
    source: Path | None = None,
    force: bool = False,
    ffmpeg: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> StillResult:
    """Write the picture on screen at ``at`` seconds to ``output`` (``.jpg`` or ``.png``)."""
    fmt = image_format(output)
    job.check_time(at, "--at")
    check_output_file(output, force)
    if full_size:
        return await _from_source(job, at, output, fmt, source, force, ffmpeg, on_progress)
    frame = job.still_at(at)
    data = job.read_still(frame)

    def convert(steps: Steps) -> StillResult:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            size = image.size
            with staged_file(output, force) as tmp:
                if fmt == "JPEG" and image.format == "JPEG":
                    tmp.write_bytes(data)  # the stored still as it is, no second compression
                else:
                    image.convert("RGB").save(tmp, fmt, quality=JPEG_QUALITY)
        steps.done(1.0)
        return StillResult(output, frame.t, size[0], size[1])

    try:
        return await in_thread(convert, on_progress)
    except (OSError, Image.DecompressionBombError) as exc:
        where = job.job_dir / frame.path
        raise ExportError(f"{where}: cannot be read as a picture ({exc})") from None


async def _from_source(
    job: ExportJob,
    at: float,
    output: Path,
    fmt: str,
    source: Path | None,
    force: bool,
    ffmpeg: str | None,
    on_progress: ProgressCallback | None,
) -> StillResult:
    exe = find_ffmpeg(ffmpeg)
    src, info = await job.open_source(source, exe)
    # The end of the video shows its last picture.
    at = min(at, max(0.0, info.duration - 0.5 / (info.fps or 25.0)))
    read = read_source(exe, src, info, at, None)
    graph = f"{read.video}{read.shift},fps=fps=1:round=up:start_time=0,setsar=1[out]"
    codec = ["-c:v", "png"] if fmt == "PNG" else ["-c:v", "mjpeg", "-q:v", "2"]
    with staged_file(output, force) as tmp:
        args = [*read.args, "-filter_complex", graph, "-map", "[out]", "-frames:v", "1"]
        args += [*codec, "-f", "image2", "-update", "1", output_url(tmp)]
        await run_checked(args, f"{job.name} at {seconds_arg(at)} s", on_progress=on_progress)
        try:
            with Image.open(tmp) as image:
                width, height = image.size
        except OSError:
            raise ExportError(f"{job.name}: no picture could be decoded at {at:g} s") from None
    if on_progress is not None:
        on_progress(1.0)
    return StillResult(output, at, width, height)
