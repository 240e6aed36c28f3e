"""The system names, program names, menu integration and notification command per system."""

from __future__ import annotations

import shutil
import sys

import pytest

from core.platform import system
from core.platform.menu import menu_integration
from core.platform.notifications import gvariant_string, notify_command
from tests import systems


def test_the_running_system_is_named() -> None:
    expected = {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")
    assert system.current() == expected
    assert system.resolve(None) == expected


def test_program_names() -> None:
    assert system.executable_name("ffmpeg", "windows") == "ffmpeg.exe"
    assert system.executable_name("ffmpeg", "macos") == "ffmpeg"
    assert system.executable_name("ffmpeg", "linux") == "ffmpeg"


def test_only_linux_adds_its_own_menu_entry() -> None:
    assert menu_integration("linux").by_the_app
    assert "--add-to-menu" in menu_integration("linux").how
    assert not menu_integration("windows").by_the_app
    assert "Start menu" in menu_integration("windows").how
    assert not menu_integration("macos").by_the_app
    assert "Applications" in menu_integration("macos").how


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("3 done", '"3 done"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("it's", '"it\'s"'),
        ("two\nlines", '"two\\nlines"'),
    ],
)
def test_gvariant_strings(text: str, literal: str) -> None:
    assert gvariant_string(text) == literal


@systems.shell_scripts
def test_notifications_go_through_gdbus_on_linux_only(tmp_path) -> None:
    gdbus = tmp_path / "gdbus"
    gdbus.write_text("#!/bin/sh\n")
    gdbus.chmod(0o755)
    command = notify_command("FrameFan: queue finished", "2 done", "linux", {"PATH": str(tmp_path)})
    assert command is not None and command[0] == str(gdbus)
    assert command[-5:] == ['"FrameFan: queue finished"', '"2 done"', "[]",
                            '{"desktop-entry": <"framefan">}', "10000"]  # fmt: skip
    assert command[command.index("--method") + 1] == "org.freedesktop.Notifications.Notify"
    assert notify_command("t", "b", "linux", {"PATH": str(tmp_path / "none")}) is None
    assert notify_command("t", "b", "macos", {"PATH": str(tmp_path)}) is None
    assert notify_command("t", "b", "windows", {"PATH": str(tmp_path)}) is None


@pytest.mark.skipif(shutil.which("gdbus") is None, reason="needs GLib's gdbus")
def test_gdbus_reads_the_arguments_back_exactly(tmp_path) -> None:
    """The real notification server's side is in tests/gui/test_platform.py; this checks only
    that gdbus itself accepts the command's syntax (it fails on the missing bus, not on it)."""
    import subprocess

    command = notify_command('a "quoted" title', "x\\y", "linux", {"PATH": "/usr/bin:/bin"})
    assert command is not None
    result = subprocess.run(
        command, env={"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/none"},
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Error parsing" not in result.stderr, result.stderr
