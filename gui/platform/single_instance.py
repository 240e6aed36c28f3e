"""One window per user: a second launch hands its files to the window already open, which
adds them to its queue and comes to the front, instead of opening a second window that
would run the same queue into the same job folders.

The first launch listens on a local socket (``QLocalServer``) in a folder only this user can
enter; a later launch connects, sends its paths as one JSON line, waits for ``ok`` and
exits. A socket left behind by a window that did not close (killed, crashed) refuses the
connection: the new launch removes it and listens itself. A lock file keeps two launches
started together from both deciding to be the first. Where none of this can be set up
safely (no private folder), the app runs without it and logs why.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
import logging
import os
import stat
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QLockFile, QObject, QTimer
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

Receive = Callable[[list[Path], list[Path]], None]  # videos and folders, earlier jobs

MAX_MESSAGE = 1 << 20  # bytes: far more than any list of paths a launch is given
CONNECT_MS = 1000
ANSWER_MS = 5000  # a window busy with work still answers well within this
CLIENT_IDLE_MS = 10_000  # a connection that sends nothing whole is dropped after this
LOCK_MS = 5000


class InstanceError(Exception):
    """One window per user cannot be arranged here (said in words for the log)."""


class Outcome(enum.Enum):
    FIRST = "first"  # this launch opens the window (and listens for later ones)
    HANDED_OVER = "handed over"  # the paths went to the window already open
    NOT_ANSWERING = "not answering"  # a window is open but does not take them
    ALONE = "alone"  # no single-window arrangement possible: open a window anyway


@dataclass(frozen=True)
class Address:
    """Where the first launch of one profile listens."""

    name: str  # the QLocalServer name (a socket path on Unix, a pipe name on Windows)
    lock: Path

    @classmethod
    def for_profile(cls, config_dir: Path) -> Address:
        """One address per user and profile (a scratch profile, as tests use, gets its
        own, so it never reaches the user's window)."""
        digest = hashlib.sha256(str(config_dir.absolute()).encode()).hexdigest()[:16]
        if sys.platform == "win32":
            user = os.environ.get("USERNAME", "user")
            folder = Path(tempfile.gettempdir())
            return cls(f"framefan-{user}-{digest}", folder / f"framefan-{digest}.lock")
        folder = private_runtime_dir()
        return cls(str(folder / f"framefan-{digest}.sock"), folder / f"framefan-{digest}.lock")


def private_runtime_dir() -> Path:
    """A folder for sockets that only this user can enter: ``$XDG_RUNTIME_DIR`` when it is
    such a folder, else one made in the temporary folder (checked, as another user could
    have made it first)."""
    configured = os.environ.get("XDG_RUNTIME_DIR", "")
    if configured and _private(Path(configured)):
        return Path(configured)
    folder = Path(tempfile.gettempdir()) / f"framefan-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    if not _private(folder):
        raise InstanceError(f"{folder} is not a folder private to this user")
    return folder


def _private(folder: Path) -> bool:
    try:
        info = folder.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077


def encode(paths: list[Path], jobs: list[Path]) -> bytes:
    message = {"paths": [str(p) for p in paths], "open": [str(p) for p in jobs]}
    return json.dumps(message).encode() + b"\n"


def decode(data: bytes) -> tuple[list[Path], list[Path]]:
    """``(paths, jobs)`` of a message; raises ValueError for anything else."""
    message = json.loads(data.decode("utf-8"))
    if not isinstance(message, dict):
        raise ValueError("not a message")
    lists = []
    for key in ("paths", "open"):
        items = message.get(key, [])
        if not isinstance(items, list) or not all(isinstance(p, str) and p for p in items):
            raise ValueError(f"{key} is not a list of paths")
        paths = [Path(p) for p in items]
        if not all(p.is_absolute() for p in paths):
            raise ValueError("a path is not absolute")
        lists.append(paths)
    return lists[0], lists[1]


class SingleInstance(QObject):
    """Claims the window for this launch, or hands ``paths`` to the window that has it."""

    def __init__(self, address: Address, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.address = address
        self._server: QLocalServer | None = None
        self._receive: Receive | None = None

    @classmethod
    def for_profile(cls, config_dir: Path) -> SingleInstance | None:
        try:
            return cls(Address.for_profile(config_dir))
        except (InstanceError, OSError) as exc:
            log.warning("one window per user is not arranged: %s", exc)
            return None

    def claim(self, paths: list[Path], jobs: list[Path]) -> Outcome:
        """This launch's window: FIRST (open it), HANDED_OVER (``paths`` and ``jobs`` went
        to the window already open), NOT_ANSWERING, or ALONE (open it, unarranged)."""
        lock = QLockFile(str(self.address.lock))
        if not lock.tryLock(LOCK_MS):
            log.warning("cannot lock %s; opening a window anyway", self.address.lock)
            return Outcome.ALONE
        try:
            answer = self._hand_over(paths, jobs)
            if answer is not None:
                return answer
            QLocalServer.removeServer(self.address.name)  # left by a window that died
            server = QLocalServer(self)
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            if not server.listen(self.address.name):
                log.warning("cannot listen on %s: %s", self.address.name, server.errorString())
                return Outcome.ALONE
            server.newConnection.connect(self._accept)
            self._server = server
            log.info("listening for later launches on %s", self.address.name)
            return Outcome.FIRST
        finally:
            lock.unlock()

    def serve(self, receive: Receive) -> None:
        """Give paths from later launches to ``receive`` (the window)."""
        self._receive = receive

    def close(self) -> None:
        if self._server is not None:
            self._server.close()  # removes the socket file
            self._server = None

    # -- a later launch -------------------------------------------------------------------

    def _hand_over(self, paths: list[Path], jobs: list[Path]) -> Outcome | None:
        """Send the paths to a window listening; None when there is none."""
        socket = QLocalSocket()
        socket.connectToServer(self.address.name)
        if not socket.waitForConnected(CONNECT_MS):
            return None  # nobody there, or a socket left behind
        socket.write(QByteArray(encode(paths, jobs)))
        socket.waitForBytesWritten(ANSWER_MS)
        answer = b""
        while b"\n" not in answer and socket.waitForReadyRead(ANSWER_MS):
            answer += bytes(socket.readAll().data())
        socket.abort()
        if answer.strip() == b"ok":
            return Outcome.HANDED_OVER
        return Outcome.NOT_ANSWERING

    # -- the first launch -----------------------------------------------------------------

    def _accept(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            _Client(self._server.nextPendingConnection(), self._deliver)

    def _deliver(self, paths: list[Path], jobs: list[Path]) -> None:
        if self._receive is not None:
            self._receive(paths, jobs)


class _Client(QObject):
    """One connection from a later launch: reads its line, answers, and goes."""

    def __init__(self, socket: QLocalSocket, deliver: Receive) -> None:
        super().__init__(socket)  # lives and dies with its socket
        self._socket = socket
        self._deliver = deliver
        self._data = b""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(socket.abort)
        self._timer.start(CLIENT_IDLE_MS)
        socket.readyRead.connect(self._read)
        socket.disconnected.connect(self._done)
        self._read()

    def _read(self) -> None:
        self._data += bytes(self._socket.readAll().data())
        if len(self._data) > MAX_MESSAGE:
            log.warning("a launch sent more than %d bytes; ignored", MAX_MESSAGE)
            self._socket.abort()
            return
        if b"\n" not in self._data:
            return
        line = self._data.split(b"\n", 1)[0]
        try:
            paths, jobs = decode(line)
        except (ValueError, UnicodeDecodeError) as exc:
            log.warning("ignored a message from another launch: %s", exc)
            self._socket.abort()
            return
        self._socket.write(QByteArray(b"ok\n"))
        self._socket.flush()
        self._socket.disconnectFromServer()
        self._deliver(paths, jobs)

    def _done(self) -> None:
        self._timer.stop()
        self._socket.deleteLater()
