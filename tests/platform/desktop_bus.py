"""A private D-Bus session with the desktop's services that tests need (fake_desktop.py).

The bus is a real ``dbus-daemon`` with a configuration of its own (no service activation,
so nothing installed on the machine answers); the services are real D-Bus servers that
check every call's types as the real desktops do.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
FAKE_DESKTOP = Path(__file__).with_name("fake_desktop.py")
CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

needs_dbus = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="D-Bus desktops are Linux's"
)


class Calls:
    """The calls a fake service received, as (interface, method, arguments)."""

    def __init__(self, stream) -> None:
        self._records: list[dict] = []
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, args=(stream,), name="fake-desktop")
        self._reader.start()

    def _read(self, stream) -> None:
        for line in stream:
            if line.startswith("{"):
                with self._lock:
                    self._records.append(json.loads(line))

    def received(self) -> list[tuple[str, str, list]]:
        with self._lock:
            return [(r["interface"], r["method"], r["args"]) for r in self._records]

    def join(self) -> None:
        self._reader.join(timeout=10)


@contextmanager
def private_bus(folder: Path) -> Iterator[str]:
    """A session bus of its own; yields its address."""
    if shutil.which("dbus-daemon") is None:
        pytest.fail("dbus-daemon is missing: scripts/bootstrap.sh test installs it (Debian: dbus)")
    config = folder / "bus.conf"
    config.write_text(CONFIG)
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        daemon.terminate()
        daemon.communicate(timeout=10)


@contextmanager
def fake_desktop(address: str, *services: str) -> Iterator[Calls]:
    """Serve ``services`` (``file-manager``, ``notifications``) on the bus at ``address``."""
    server = subprocess.Popen(
        [SYSTEM_PYTHON, str(FAKE_DESKTOP), address, *services],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    try:
        calls = None
        first = server.stdout.readline()
        if first.strip() != "READY":
            server.kill()
            _, err = server.communicate(timeout=10)
            pytest.fail(f"the fake desktop did not start ({SYSTEM_PYTHON} needs python3-gi): {err}")
        calls = Calls(server.stdout)
        yield calls
    finally:
        server.terminate()
        server.wait(timeout=10)
        if calls is not None:
            calls.join()
        server.stdout.close()
        server.stderr.close()


def wait_for(condition, timeout: float = 10.0) -> None:
    """For checks outside Qt's event loop (a file a detached program writes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)
