"""The job's stored stills as Pillow pictures, scaled down quickly for sheets of them."""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

from PIL import Image, ImageFont

from ..errors import ExportError
from ..manifest import FrameRecord
from .job import ExportJob

# Pictures larger than this are not decoded (a still is at most the video's size, 8K).
Image.MAX_IMAGE_PIXELS = 8192 * 8192


def thumbnail(job: ExportJob, frame: FrameRecord, width: int, height: int) -> Image.Image:
    """The still ``frame`` scaled to ``width`` × ``height`` (JPEG stills are decoded at a
    reduced size straight away, which is most of the speed of a sheet of them)."""
    data = job.read_still(frame)
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (width, height))
            return image.convert("RGB").resize((width, height), Image.Resampling.BILINEAR)
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise ExportError(f"{job.job_dir / frame.path}: not a readable picture ({exc})") from None


def thumbnails(
    job: ExportJob, frames: Iterable[FrameRecord], width: int, height: int
) -> Iterator[Image.Image]:
    """:func:`thumbnail` of each of ``frames``, in order, decoded on all cores (Pillow
    decodes without holding the interpreter lock). Stopping the iteration early stops the
    decoding."""
    workers = min(4, os.cpu_count() or 1)
    pending = list(frames)
    with ThreadPoolExecutor(workers, thread_name_prefix="framefan-thumbnails") as pool:
        window = workers * 4  # decoded ahead of the consumer, not the whole list at once
        futures = [pool.submit(thumbnail, job, f, width, height) for f in pending[:window]]
        try:
            for index in range(len(pending)):
                if index + window < len(pending):
                    futures.append(
                        pool.submit(thumbnail, job, pending[index + window], width, height)
                    )
                yield futures[index].result()
                futures[index] = None  # type: ignore[call-overload]
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()


def tile_size(job: ExportJob, width: int) -> tuple[int, int]:
    """A tile ``width`` wide with the video's displayed proportions (even height)."""
    source = job.manifest.source
    ratio = (source.height or 9) / (source.width or 16)
    return width, max(2, round(width * ratio / 2) * 2)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Pillow's built-in font: the same on every system, nothing to install."""
    return ImageFont.load_default(size=size)


def fit_text(text: str, face, width: int) -> str:
    """``text`` shortened with an "..." to fit ``width`` pixels."""
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "...") > width:
        text = text[:-1]
    return text + "..."
