"""What FrameFan accepts as input, and how ffmpeg is told to open it.

Every input is hostile until proven otherwise: a playlist can pose as ``clip.mp4`` and make
ffmpeg fetch other URLs or local files, a concat list can stitch arbitrary files together, a
name like ``concat:a|b`` or ``-y`` can be read as a protocol or an option. So:

* only an allow-list of real video container demuxers may open an input, at probe time
  (``-format_whitelist``) and at render time (``-f`` forced to the probed demuxer);
* only the protocols the source needs are allowed: ``file`` for a local path, ``https``
  (over ``tls``/``tcp``) for a presigned URL;
* local paths are passed as absolute ``file:`` URLs, so no name is taken for an option or a
  protocol;
* text, playlists, concat lists and images are recognised from their first bytes, so the
  user gets a specific message instead of ffmpeg's generic one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .errors import InputRejectedError

# Demuxers of real video containers, by the first name ffmpeg lists for each.
ALLOWED_DEMUXERS: tuple[str, ...] = (
    "mov",  # mov, mp4, m4v, 3gp
    "matroska",  # mkv, webm
    "avi",
    "mpegts",  # ts, mts, m2ts
    "mpeg",  # mpg, vob
    "mxf",
    "asf",  # wmv
    "flv",
    "ogg",  # ogv
)

# File name extensions of those containers. Locally the content decides (a misnamed but real
# video is accepted); for uploads the cloud path checks the key before running ffmpeg.
VIDEO_EXTENSIONS: frozenset[str] = frozenset(
    {
        ".mp4", ".m4v", ".mov", ".qt", ".3gp", ".3g2",
        ".mkv", ".webm",
        ".avi",
        ".ts", ".mts", ".m2ts",
        ".mpg", ".mpeg", ".vob",
        ".mxf",
        ".wmv", ".asf",
        ".flv",
        ".ogv",
    }
)  # fmt: skip

LOCAL_PROTOCOLS = "file"
REMOTE_PROTOCOLS = "https,tls,tcp"

# Bounds on how much ffmpeg reads to identify streams (hostile files can make it read a lot).
PROBE_SIZE = 50_000_000  # bytes
ANALYZE_DURATION = 30_000_000  # microseconds
# Network read/write timeout for remote inputs, in microseconds.
RW_TIMEOUT_US = 30_000_000
# ffmpeg's own reconnection for remote inputs: a dropped or refused connection, or a 5xx
# answer, is tried again a few times (waiting 1, 2, 4 s) before the read fails.
RECONNECT_OPTIONS: dict[str, object] = {
    "reconnect": 1,
    "reconnect_on_network_error": 1,
    "reconnect_on_http_error": "5xx",
    "reconnect_max_retries": 3,
    "reconnect_delay_max": 4,
}


@dataclass(frozen=True)
class Source:
    """An input as ffmpeg must open it."""

    url: str  # what follows -i
    name: str  # what messages call it
    protocols: str
    local_path: Path | None = None

    @property
    def is_remote(self) -> bool:
        return self.local_path is None

    def open_args(self, demuxer: str | None = None) -> dict[str, object]:
        """ffmpeg input options restricting how this source is opened.

        With ``demuxer`` (known after probing) the format is forced; without it, only
        allow-listed demuxers may be picked.
        """
        opts: dict[str, object] = {
            "protocol_whitelist": self.protocols,
            "probesize": PROBE_SIZE,
            "analyzeduration": ANALYZE_DURATION,
        }
        if demuxer:
            opts["f"] = demuxer
        else:
            opts["format_whitelist"] = ",".join(ALLOWED_DEMUXERS)
        if self.is_remote:
            opts["rw_timeout"] = RW_TIMEOUT_US
            opts.update(RECONNECT_OPTIONS)
        return opts


def as_source(source: str | os.PathLike[str], name: str | None = None) -> Source:
    """Turn a local path or an ``https://`` URL into a :class:`Source`.

    Raises :class:`InputRejectedError` for a URL of another scheme.
    """
    text = os.fspath(source)
    if isinstance(source, str) and "://" in text:
        parts = urlsplit(text)
        if parts.scheme != "https":
            raise InputRejectedError(
                name or text, f"only https URLs can be processed, not {parts.scheme}://"
            )
        label = name or Path(parts.path).name or parts.netloc
        return Source(url=text, name=label, protocols=REMOTE_PROTOCOLS)
    path = Path(text).expanduser().absolute()
    return Source(
        url="file:" + str(path),
        name=name or path.name,
        protocols=LOCAL_PROTOCOLS,
        local_path=path,
    )


def has_video_extension(name: str) -> bool:
    return Path(name).suffix.lower() in VIDEO_EXTENSIONS


# -- content sniffing ---------------------------------------------------------------------

_BLANK = b"\xef\xbb\xbf \t\r\n"  # a UTF-8 byte-order mark and whitespace
_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
)
_AUDIO_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
)


def sniff_problem(head: bytes) -> str | None:
    """Why the first bytes of a file show it is not a video, or None if they might be one.

    The reason completes "<name>: <reason>".
    """
    if not head:
        return "the file is empty"
    if _looks_like_text(head) or head.lstrip(_BLANK).startswith(b"#EXTM3U"):
        return _text_kind(head)
    for magic, kind in _IMAGE_MAGIC:
        if head.startswith(magic):
            return f"it is {kind}, not a video (images and image sequences are not supported)"
    riff_kind = head[8:12] if head[:4] == b"RIFF" else b""
    if riff_kind == b"WEBP":
        return "it is a WebP image, not a video"
    if riff_kind == b"WAVE":
        return "it is a WAV audio file with no video stream"
    for magic, kind in _AUDIO_MAGIC:
        if head.startswith(magic):
            return f"it is {kind} with no video stream"
    return None


def _text_kind(head: bytes) -> str:
    text = head.lstrip(_BLANK)
    lowered = head.lower()
    if text.startswith(b"#EXTM3U") or b"#EXT-X-" in head:
        return "it is an HLS playlist (m3u8), not a video file"
    if text.startswith(b"ffconcat") or any(
        line.strip().startswith(b"file ") for line in head.splitlines()
    ):
        return "it is an ffmpeg concat list, not a video file"
    if b"<mpd" in lowered or b"<smil" in lowered or text.startswith((b"[playlist]", b"#EXTINF")):
        return "it is a streaming manifest or playlist, not a video file"
    return "it is a text file, not a video"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 4:
            return False
    printable = sum(1 for b in head if b >= 0x20 or b in b"\t\r\n\f")
    return printable / len(head) > 0.97
