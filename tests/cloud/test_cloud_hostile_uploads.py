"""Hostile uploads: playlists pointing at a loopback service and at the function's own
environment must be rejected without any request leaving ffmpeg, and without a trace of the
environment in outputs or logs."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid

import pytest

from core.cloud.metadata import to_metadata
from core.errors import InputRejectedError
from core.input_safety import as_source
from core.probe import probe
from core.settings import Settings


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that counts every connection it accepts."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.close()

    def __enter__(self) -> LoopbackListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener():
    with LoopbackListener() as server:
        yield server


def _playlist(port: int) -> bytes:
    return (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:10.0,\nhttp://127.0.0.1:{port}/segment0.ts\n"
        "#EXTINF:10.0,\nfile:///proc/self/environ\n#EXT-X-ENDLIST\n"
    ).encode()


@pytest.mark.parametrize("name", ["x.mp4", "x.m3u8"])
def test_playlist_upload_is_rejected_without_any_request(aws_env, listener, name):
    canary = f"canary-{uuid.uuid4().hex}"
    for function in ("SnippetsFunction", "ProcessFunction"):
        aws_env.env_overrides[function] = {"FRAMEFAN_CANARY": canary}
    job = f"hostile-{uuid.uuid4().hex[:8]}"
    s3 = aws_env.client("s3")
    uploads, results = (
        aws_env.model.buckets["UploadsBucket"],
        aws_env.model.buckets["ResultsBucket"],
    )
    first_invocation = len(aws_env.invocations)
    s3.put_object(
        Bucket=uploads,
        Key=f"uploads/{job}/{name}",
        Body=_playlist(listener.port),
        ContentType="application/vnd.apple.mpegurl",
        Metadata=to_metadata(Settings(), "r1"),
    )
    aws_env.wait_idle()

    manifest = s3.get_object(Bucket=results, Key=f"results/{job}/manifest.json")["Body"].read()
    text = manifest.decode()
    assert '"status": "failed"' in text
    if name.endswith(".m3u8"):
        assert "not a video file name" in text
    else:
        assert "HLS playlist" in text
    assert listener.connections == 0
    listing = s3.list_objects_v2(Bucket=results, Prefix=f"results/{job}/")
    # The refusal and the run it ends; no output.
    assert sorted(o["Key"] for o in listing["Contents"]) == [
        f"results/{job}/manifest.json",
        f"results/{job}/run.json",
    ]
    logs = "".join(i.output for i in aws_env.invocations[first_invocation:])
    for leaked in (canary, "FRAMEFAN_CANARY", "cloud-sim", "AWS_SECRET_ACCESS_KEY"):
        assert leaked not in text and leaked not in logs
    assert not any(i.function == "ProcessFunction" for i in aws_env.invocations[first_invocation:])


def test_ffmpeg_itself_refuses_a_playlist_behind_a_presigned_url(aws_env, listener, monkeypatch):
    """The same check one layer down: if the first bytes were not looked at, the probe's
    format and protocol whitelists would still refuse the playlist, over real HTTPS."""
    key = f"uploads/hostile-{uuid.uuid4().hex[:8]}/x.mp4"
    uploads = aws_env.model.buckets["UploadsBucket"]
    aws_env.client("s3").put_object(Bucket=uploads, Key=key, Body=_playlist(listener.port))
    presigner = aws_env.client("s3")
    url = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": uploads, "Key": key}, ExpiresIn=300
    ).replace(aws_env.endpoint, aws_env.server.tls_endpoint)
    monkeypatch.setenv("SSL_CERT_FILE", str(aws_env.server.ca_file))
    with pytest.raises(InputRejectedError) as raised:
        asyncio.run(probe(as_source(url, name="x.mp4"), timeout=60))
    assert raised.value.name == "x.mp4"
    assert "not a video in a supported container" in raised.value.reason
    assert "X-Amz" not in str(raised.value) and "Signature" not in str(raised.value)
    assert listener.connections == 0
