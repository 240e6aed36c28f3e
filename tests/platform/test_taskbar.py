"""What each system's taskbar or dock is told of the queue's progress (core.platform.taskbar);
the D-Bus signal itself is checked against a listening dock in tests/gui/test_platform.py."""

from __future__ import annotations

import pytest

from core.platform.system import LINUX, MACOS, WINDOWS
from core.platform.taskbar import BADGE, UNITY, launcher_update, taskbar_kind


@pytest.mark.parametrize(("platform", "kind"), [(LINUX, UNITY), (MACOS, BADGE), (WINDOWS, BADGE)])
def test_each_system_shows_what_it_can(platform: str, kind: str) -> None:
    assert taskbar_kind(platform) == kind


def test_the_launcher_signal_names_the_app_by_its_desktop_entry() -> None:
    update = launcher_update(0.4)
    assert (update.interface, update.member) == ("com.canonical.Unity.LauncherEntry", "Update")
    assert update.app_uri == "application://framefan.desktop"
    assert update.path.startswith("/com/canonical/unity/launcherentry/")
    assert update.properties == {"progress": 0.4, "progress-visible": True}


@pytest.mark.parametrize(("given", "shown"), [(-0.5, 0.0), (1.7, 1.0), (1, 1.0)])
def test_progress_is_a_fraction_within_bounds(given: float, shown: float) -> None:
    progress = launcher_update(given).properties["progress"]
    assert progress == shown and isinstance(progress, float)


def test_no_progress_hides_the_bar() -> None:
    assert launcher_update(None).properties == {"progress-visible": False}


def test_an_unknown_system_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown platform"):
        taskbar_kind("beos")
