"""A TCP relay that resets the first N connections: a network outage, on purpose.

It sits between one function's ffmpeg and the emulator's HTTPS endpoint (the certificate
names 127.0.0.1, which the relay shares). Connections after the outage are relayed as they
are, byte for byte.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from .server import HOST


class OutageRelay:
    def __init__(self, target_port: int, failures: int) -> None:
        self.target_port = target_port
        self.failures = failures
        self.refused = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.create_server((HOST, 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, name="outage-relay", daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"https://{HOST}:{self.port}"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                reset = self.refused < self.failures
                if reset:
                    self.refused += 1
            if reset:
                # Linger 0: closing sends a reset, as a dropped connection does.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                continue
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((HOST, self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)

        def pipe(source: socket.socket, sink: socket.socket) -> None:
            with contextlib.suppress(OSError):
                while data := source.recv(65536):
                    sink.sendall(data)
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
        back.start()
        pipe(client, upstream)
        back.join(60)
        client.close()
        upstream.close()
