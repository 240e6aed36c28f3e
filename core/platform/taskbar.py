"""How the queue's progress shows on the desktop's taskbar or dock, on each system.

* Linux: docks and task managers that follow the Unity launcher API (Ubuntu's dock, KDE
  Plasma's task manager, Dash to Dock, Plank, …) draw a progress bar on the app's icon when
  the app emits the D-Bus signal ``com.canonical.Unity.LauncherEntry.Update``, naming
  itself by its desktop entry (``application://framefan.desktop``) with a map of
  properties: ``progress`` (a double, 0–1) and ``progress-visible`` (a boolean). A desktop
  without such a dock ignores the signal.
* macOS and Windows: the Dock tile's badge (the taskbar button's overlay on Windows) shows
  how many videos are left, through Qt's application badge.
* Anything else: nothing is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from .notifications import DESKTOP_ENTRY
from .system import LINUX, MACOS, WINDOWS, resolve

UNITY = "unity"  # the progress bar of the Unity launcher API, over D-Bus
BADGE = "badge"  # a number on the Dock tile or the taskbar button
LAUNCHER_INTERFACE = "com.canonical.Unity.LauncherEntry"
LAUNCHER_PATH = f"/com/canonical/unity/launcherentry/{DESKTOP_ENTRY}"


def taskbar_kind(platform: str | None = None) -> str | None:
    """What the system's taskbar or dock can show of the queue's progress."""
    system = resolve(platform)
    if system == LINUX:
        return UNITY
    if system in (MACOS, WINDOWS):
        return BADGE
    return None  # pragma: no cover - every system is one of the above


@dataclass(frozen=True)
class LauncherUpdate:
    """One ``Update`` signal of the Unity launcher API: emitted on ``path``, with the
    arguments ``(app_uri, properties)``, D-Bus signature ``(sa{sv})``."""

    path: str
    interface: str
    member: str
    app_uri: str
    properties: dict[str, float | bool]


def launcher_update(fraction: float | None) -> LauncherUpdate:
    """The signal that shows ``fraction`` (0–1) on the app's icon, or hides the bar (None)."""
    properties: dict[str, float | bool] = {"progress-visible": fraction is not None}
    if fraction is not None:
        properties["progress"] = min(1.0, max(0.0, float(fraction)))
    return LauncherUpdate(
        LAUNCHER_PATH,
        LAUNCHER_INTERFACE,
        "Update",
        f"application://{DESKTOP_ENTRY}.desktop",
        properties,
    )
