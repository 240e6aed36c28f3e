"""How FrameFan gets into each system's list of applications.

- Linux: an unpacked folder has no installer, so the app writes its own freedesktop.org
  menu entry on request (``FrameFan --add-to-menu``, gui.platform.desktop_entry);
- Windows: the installer adds the Start-menu entry and its uninstaller removes it
  (packaging/windows/FrameFan.iss); the portable ``.zip`` adds nothing;
- macOS: the app bundle is the integration: Launchpad and Spotlight list ``FrameFan.app``
  once it is in Applications.
"""

from __future__ import annotations

from dataclasses import dataclass

from .system import LINUX, MACOS, WINDOWS, resolve


@dataclass(frozen=True)
class MenuIntegration:
    by_the_app: bool  # True where FrameFan writes its own entry (--add-to-menu)
    how: str  # what puts FrameFan in the menu there, in words for the user


_INTEGRATION = {
    LINUX: MenuIntegration(
        True, "FrameFan --add-to-menu adds FrameFan to the desktop's application menu"
    ),
    WINDOWS: MenuIntegration(
        False,
        "the installer adds FrameFan to the Start menu (with the portable .zip, pin "
        "FrameFan.exe to Start yourself)",
    ),
    MACOS: MenuIntegration(
        False, "drag FrameFan.app into Applications; Launchpad and Spotlight then list it"
    ),
}


def menu_integration(platform: str | None = None) -> MenuIntegration:
    return _INTEGRATION[resolve(platform)]
