"""The environment the desktop's programs get from an installed (PyInstaller) FrameFan:
without the bundle's library and plugin paths, as the user had it."""

from __future__ import annotations

import os
import subprocess
import sys

from core.platform.environment import current_for_system_programs, for_system_programs

BUNDLE = "/opt/FrameFan/_internal"

# What the Linux bootloader and Qt's start-up leave in a bundled FrameFan's environment
# (read from a running bundle's child process).
FROZEN_LINUX = {
    "HOME": "/home/ed",
    "PATH": "/usr/local/bin:/usr/bin",
    "DISPLAY": ":0",
    "LD_LIBRARY_PATH": f"{BUNDLE}:/opt/cuda/lib",
    "LD_LIBRARY_PATH_ORIG": "/opt/cuda/lib",
    "QT_PLUGIN_PATH": f"{BUNDLE}/PySide6/Qt/plugins",
    "_PYI_ARCHIVE_FILE": "/opt/FrameFan/FrameFan",
    "_PYI_PARENT_PROCESS_LEVEL": "1",
    "_PYI_LINUX_PROCESS_NAME": "FrameFan",
    "SESSION_MANAGER": "local/host:@/tmp/.ICE-unix/1,unix/host:/tmp/.ICE-unix/1",
}


def test_linux_bundle_environment_is_undone() -> None:
    env = for_system_programs(FROZEN_LINUX, BUNDLE, platform="linux")
    assert env == {
        "HOME": "/home/ed",
        "PATH": "/usr/local/bin:/usr/bin",
        "DISPLAY": ":0",
        "LD_LIBRARY_PATH": "/opt/cuda/lib",  # the user's own value, restored
        "SESSION_MANAGER": FROZEN_LINUX["SESSION_MANAGER"],
    }


def test_library_path_the_user_did_not_have_is_removed() -> None:
    frozen = {"LD_LIBRARY_PATH": BUNDLE, "LD_LIBRARY_PATH_ORIG": "", "PATH": "/usr/bin"}
    assert for_system_programs(frozen, BUNDLE, platform="linux") == {"PATH": "/usr/bin"}


def test_macos_library_path_loses_only_the_bundle() -> None:
    bundle = "/Applications/FrameFan.app/Contents/Frameworks"
    frozen = {"DYLD_LIBRARY_PATH": f"{bundle}:/opt/homebrew/lib", "PATH": "/usr/bin:/bin"}
    env = for_system_programs(frozen, bundle, platform="macos")
    assert env == {"DYLD_LIBRARY_PATH": "/opt/homebrew/lib", "PATH": "/usr/bin:/bin"}


def test_windows_path_loses_the_bundle_whatever_the_case() -> None:
    bundle = "C:\\Users\\ed\\AppData\\Local\\Programs\\FrameFan\\_internal"
    frozen = {
        "PATH": f"{bundle.upper()};C:\\Windows\\system32;C:\\Windows",
        "SystemRoot": "C:\\Windows",
        "_PYI_APPLICATION_HOME_DIR": bundle,
    }
    env = for_system_programs(frozen, bundle, platform="windows")
    assert env == {"PATH": "C:\\Windows\\system32;C:\\Windows", "SystemRoot": "C:\\Windows"}


def test_from_the_sources_nothing_changes() -> None:
    assert for_system_programs(FROZEN_LINUX, None) == FROZEN_LINUX


def test_a_system_program_started_with_it_sees_the_users_values(tmp_path) -> None:
    frozen = {**os.environ, **FROZEN_LINUX, "PATH": os.environ["PATH"]}
    env = for_system_programs(frozen, BUNDLE, platform="linux")
    shown = subprocess.run(
        [sys.executable, "-c", "import os, json; print(json.dumps(dict(os.environ)))"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert '"LD_LIBRARY_PATH": "/opt/cuda/lib"' in shown
    assert "_PYI_" not in shown and "QT_PLUGIN_PATH" not in shown


def test_running_from_the_sources_passes_the_environment_through() -> None:
    assert current_for_system_programs() == dict(os.environ)
