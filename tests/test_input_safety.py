"""Hostile and unsupported inputs: each kind is rejected with its own message, before ffmpeg
can follow a playlist, a concat list or a URL; accepted inputs are opened with the narrowest
protocols and demuxers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from core.cloud.sim.server import tls_context
from core.errors import FrameFanError, InputRejectedError, RenderError
from core.input_safety import (
    ALLOWED_DEMUXERS,
    LOCAL_PROTOCOLS,
    REMOTE_PROTOCOLS,
    as_source,
    has_video_extension,
    sniff_problem,
)
from core.plan import Snippet
from core.probe import MediaInfo, probe
from core.render import render_snippet
from core.settings import Settings

from . import media


@contextlib.contextmanager
def tcp_listener() -> Iterator[tuple[int, Callable[[], int]]]:
    """A real listening socket on 127.0.0.1; yields its port and a function counting the
    connections that reached it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    accepted: list[socket.socket] = []

    def connections() -> int:
        while True:
            try:
                conn, _ = server.accept()
            except BlockingIOError:
                return len(accepted)
            accepted.append(conn)

    try:
        yield server.getsockname()[1], connections
    finally:
        for conn in accepted:
            conn.close()
        server.close()


@contextlib.contextmanager
def https_redirect(target: str, ca_file: Path) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 (its certificate written to ``ca_file``) redirecting
    every request to ``target``; yields a URL on it."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    server.socket = tls_context(ca_file).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, name="https-redirect")
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_port}/clip.mp4?X-Amz-Signature=0"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def rejection(path: Path | str) -> str:
    with pytest.raises(InputRejectedError) as caught:
        asyncio.run(probe(path))
    message = str(caught.value)
    assert "\n" not in message
    return message


# -- sources and ffmpeg options -----------------------------------------------------------


def test_local_source_is_an_absolute_file_url(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    source = as_source("-y clip.mp4")
    assert source.url == "file:" + str(tmp_path / "-y clip.mp4")
    assert source.name == "-y clip.mp4"
    assert source.protocols == LOCAL_PROTOCOLS == "file"
    assert source.local_path == tmp_path / "-y clip.mp4"
    assert not source.is_remote


def test_protocol_like_names_stay_local_files(tmp_path: Path) -> None:
    for name in ("concat:a.mp4|b.mp4", "http:x.mp4", "subfile,,start,0,end,1,,:x.mp4"):
        source = as_source(tmp_path / name)
        assert source.url == f"file:{tmp_path / name}"
        assert source.protocols == "file"


def test_remote_source_allows_only_https() -> None:
    source = as_source("https://bucket.example/uploads/clip.mp4?X-Amz-Signature=abc")
    assert source.is_remote
    assert source.name == "clip.mp4"
    assert source.protocols == REMOTE_PROTOCOLS
    assert "file" not in source.protocols.split(",")
    assert "rw_timeout" in source.open_args("mov")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/x.mp4", "ftp://host/x.mp4", "file:///etc/passwd", "rtmp://h/x"]
)
def test_other_url_schemes_are_rejected(url: str) -> None:
    with pytest.raises(InputRejectedError, match="only https URLs can be processed"):
        as_source(url)


def test_open_args_restrict_protocols_and_demuxers(tmp_path: Path) -> None:
    source = as_source(tmp_path / "clip.mp4")
    probing = source.open_args()
    assert probing["protocol_whitelist"] == "file"
    assert probing["format_whitelist"] == ",".join(ALLOWED_DEMUXERS)
    assert "f" not in probing
    rendering = source.open_args("mov")
    assert rendering["f"] == "mov"
    assert "format_whitelist" not in rendering
    assert "rw_timeout" not in rendering
    assert rendering["probesize"] and rendering["analyzeduration"]


def test_allowed_demuxers_are_containers_only() -> None:
    for risky in ("hls", "concat", "image2", "lavfi", "tee", "data", "http", "mpjpeg", "gif"):
        assert risky not in ALLOWED_DEMUXERS


@pytest.mark.parametrize(
    ("name", "expected"),
    [("a.MP4", True), ("a.mkv", True), ("a.webm", True), ("a.ts", True), ("a.m3u8", False)],
)
def test_video_extensions(name: str, expected: bool) -> None:
    assert has_video_extension(name) is expected
    assert not has_video_extension("a.txt") and not has_video_extension("a.png")


# -- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"", "the file is empty"),
        (b"#EXTM3U\n#EXT-X-VERSION:3\n", "HLS playlist"),
        (b"\xef\xbb\xbf  \n#EXTM3U\n", "HLS playlist"),
        (b"#EXTM3U\x00\x01binary", "HLS playlist"),
        (b"#EXTINF:10,\nhttp://x/a.ts\n#EXT-X-ENDLIST\n", "HLS playlist"),
        (b"ffconcat version 1.0\nfile 'a.mp4'\n", "concat list"),
        (b"# list\nfile '/etc/passwd'\n", "concat list"),
        (b'<?xml version="1.0"?><MPD xmlns="urn:mpeg:dash">', "streaming manifest"),
        (b"[playlist]\nFile1=http://x\n", "streaming manifest"),
        (b"hello, this is just some text\n" * 20, "text file"),
        ("Grüße, 東京\n".encode() * 50, "text file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"GIF89a\x01\x00", "GIF image"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WebP image"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "WAV audio file"),
        (b"ID3\x04\x00\x00\x00\x00\x00", "MP3 audio file"),
        (b"fLaC\x00\x00\x00\x22", "FLAC audio file"),
    ],
)
def test_sniff_names_the_kind(head: bytes, expected: str) -> None:
    problem = sniff_problem(head)
    assert problem is not None and expected in problem


@pytest.mark.parametrize("spec", [media.H264_MP4, media.H264_MKV, media.H264_TS, media.VP9_WEBM])
def test_sniff_lets_real_videos_through(make_video, spec: media.Spec) -> None:
    assert sniff_problem(make_video(spec).read_bytes()[:4096]) is None


def test_text_cut_inside_a_multibyte_character_is_still_text() -> None:
    head = ("é" * 2048).encode()[:4095]
    assert "text file" in (sniff_problem(head) or "")


# -- each rejected kind, through probe --------------------------------------------------------


@pytest.mark.parametrize("name", ["playlist.mp4", "playlist.m3u8"])
def test_hls_playlist_reading_local_files_is_rejected(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///proc/self/environ\n")
    message = rejection(path)
    assert message == f"{name}: it is an HLS playlist (m3u8), not a video file"


@pytest.mark.parametrize("name", ["stream.mp4", "stream.m3u8"])
def test_hls_playlist_pointing_at_a_server_never_connects(tmp_path: Path, name: str) -> None:
    with tcp_listener() as (port, connections):
        path = tmp_path / name
        path.write_text(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n"
            f"#EXTINF:2.0,\nhttp://127.0.0.1:{port}/segment0.ts\n#EXT-X-ENDLIST\n"
        )
        assert "HLS playlist" in rejection(path)
        assert connections() == 0


def test_a_redirect_to_a_protocol_not_allowed_is_never_followed(tmp_path: Path, monkeypatch):
    """A presigned URL whose server answers with a redirect to plain http: the second URL
    is refused by the protocol whitelist without a connection (without the whitelist,
    ffmpeg follows it)."""
    ca_file = tmp_path / "cert.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))  # ffmpeg trusts the test server
    with (
        tcp_listener() as (port, connections),
        https_redirect(f"http://127.0.0.1:{port}/clip.mp4", ca_file) as url,
    ):
        with pytest.raises(FrameFanError) as caught:
            asyncio.run(probe(as_source(url, name="clip.mp4"), timeout=60))
        assert str(caught.value) == ("clip.mp4: the input needs a protocol FrameFan does not allow")
        assert connections() == 0


def test_render_forces_the_probed_demuxer_and_file_protocol(tmp_path: Path) -> None:
    """Even if a playlist got past probing, rendering opens it as the probed container with
    only the file protocol: it fails without fetching what it names."""
    with tcp_listener() as (port, connections):
        path = tmp_path / "sneaky.mp4"
        path.write_text(f"#EXTM3U\n#EXTINF:2.0,\nhttp://127.0.0.1:{port}/a.ts\n#EXT-X-ENDLIST\n")
        info = MediaInfo(
            duration=2.0, width=160, height=120, rotation=0, fps=25.0, codec="h264",
            format="mov,mp4,m4a,3gp,3g2,mj2", has_video=True, stream_index=0,
            coded_width=160, coded_height=120, pix_fmt="yuv420p",
        )  # fmt: skip
        job = tmp_path / "job"
        with pytest.raises(RenderError) as caught:
            asyncio.run(
                render_snippet(as_source(path), info, Snippet(0, 0.0, 2.0), Settings(), job)
            )
        assert str(caught.value).startswith("snippet 1 (0:00–0:02): ")
        assert connections() == 0
        assert not (job / "gifs").exists()


def test_concat_list_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "list.mp4"
    path.write_text("ffconcat version 1.0\nfile '/etc/passwd'\nfile 'other.mp4'\n")
    assert rejection(path) == "list.mp4: it is an ffmpeg concat list, not a video file"


def test_text_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("These are my notes about the shoot.\n" * 10)
    assert rejection(path) == "notes.mp4: it is a text file, not a video"


def test_empty_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.touch()
    assert rejection(path) == "empty.mp4: the file is empty"


def test_missing_file_is_rejected(tmp_path: Path) -> None:
    assert rejection(tmp_path / "gone.mp4") == "gone.mp4: file not found"


def test_folder_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "footage.mp4"
    folder.mkdir()
    assert rejection(folder) == "footage.mp4: it is a folder, not a video file"


@pytest.mark.parametrize(
    ("spec", "kind"), [(media.IMAGE_PNG, "a PNG image"), (media.IMAGE_JPG, "a JPEG image")]
)
def test_images_are_rejected(make_video, spec: media.Spec, kind: str) -> None:
    path = make_video(spec)
    assert rejection(path) == (
        f"{path.name}: it is {kind}, not a video (images and image sequences are not supported)"
    )


def test_image_renamed_as_video_is_rejected(make_video, tmp_path: Path) -> None:
    path = tmp_path / "photo.mp4"
    path.write_bytes(make_video(media.IMAGE_PNG).read_bytes())
    assert "photo.mp4: it is a PNG image, not a video" in rejection(path)


def test_image_sequence_pattern_is_not_expanded(make_video, tmp_path: Path) -> None:
    image = make_video(media.IMAGE_PNG).read_bytes()
    for n in (1, 2, 3):
        (tmp_path / f"img{n:03d}.png").write_bytes(image)
    assert rejection(tmp_path / "img%03d.png") == "img%03d.png: file not found"
    # A file really named like a pattern is read as that one file.
    (tmp_path / "shot%03d.png").write_bytes(image)
    assert "shot%03d.png: it is a PNG image" in rejection(tmp_path / "shot%03d.png")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (media.AUDIO_M4A, "it has no video stream (audio only)"),
        (media.COVER_ART_M4A, "it has no video stream (audio only)"),
        (media.AUDIO_MP3, "it is an MP3 audio file with no video stream"),
        (media.AUDIO_WAV, "it is a WAV audio file with no video stream"),
    ],
)
def test_audio_only_is_rejected(make_video, spec: media.Spec, message: str) -> None:
    path = make_video(spec)
    assert rejection(path) == f"{path.name}: {message}"


def test_mp4_without_its_index_is_rejected(make_video, tmp_path: Path) -> None:
    # A plain MP4 keeps its moov atom at the end: half the file has none.
    cut = media.truncated_copy(make_video(media.H264_MP4), tmp_path / "cut.mp4", 0.5)
    assert rejection(cut) == (
        "cut.mp4: the file is truncated or damaged (its MP4/MOV index, the moov atom, is missing)"
    )


@pytest.mark.parametrize(
    ("spec", "name"),
    [
        (media.FASTSTART_MP4, "faststart-cut.mp4"),
        (media.H264_MKV, "cut.mkv"),
        (media.VP9_WEBM, "cut.webm"),
    ],
)
def test_cut_files_are_rejected_as_truncated(
    make_video, tmp_path: Path, spec: media.Spec, name: str
) -> None:
    cut = media.truncated_copy(make_video(spec), tmp_path / name, 0.6)
    message = rejection(cut)
    assert message.startswith(f"{name}: the file is truncated (its data ends at 0:0")
    assert message.endswith(")")


@pytest.mark.parametrize(
    ("spec", "name"), [(media.STEP_TS, "cut.ts"), (media.MPEG4_AVI, "cut.avi")]
)
def test_cut_streams_without_an_end_index_are_shorter_videos(
    make_video, tmp_path: Path, spec: media.Spec, name: str
) -> None:
    """MPEG-TS and AVI are often recorded live and cut on purpose (docs/inputs.md)."""
    full = asyncio.run(probe(make_video(spec))).duration
    cut = asyncio.run(probe(media.truncated_copy(make_video(spec), tmp_path / name, 0.6)))
    assert 0.4 * full < cut.duration < 0.75 * full, (cut.duration, full)


def test_unknown_binary_is_rejected(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(65536)
    (tmp_path / "noise.bin").write_bytes(noise)
    assert rejection(tmp_path / "noise.bin") == (
        "noise.bin: it is not a video in a supported container (supported demuxers: "
        + ", ".join(ALLOWED_DEMUXERS)
        + ")"
    )
    # Named .mp4, ffmpeg tries it as an MP4 and finds no index; it is still no damaged MP4.
    (tmp_path / "noise.mp4").write_bytes(noise)
    assert rejection(tmp_path / "noise.mp4").startswith(
        "noise.mp4: it is not a video in a supported container"
    )


def test_unreadable_file_is_rejected(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    assert rejection(fifo) == "pipe.mp4: it is not a regular file"
