"""How a desktop notification is sent on each system.

Linux desktops (GNOME, KDE, Xfce, …) show notifications through the freedesktop.org
``org.freedesktop.Notifications`` D-Bus interface, whether or not they have a system tray
(GNOME has none). Its ``Notify`` method takes a ``uint32`` and a string array that Qt's D-Bus
module cannot produce from Python, so the call is made with GLib's ``gdbus`` tool, which
converts each argument to the type the notification server declares. macOS and Windows show
the notifications of Qt's system tray icon (Notification Center, the Windows action
centre); so does a Linux desktop without ``gdbus``.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping

from .system import LINUX, resolve

APP_NAME = "FrameFan"
DESKTOP_ENTRY = "framefan"  # gui.platform.desktop_entry's entry, which names the icon too
EXPIRE_MS = 10_000


def gvariant_string(text: str) -> str:
    """``text`` as a GVariant text-format string literal, which gdbus parses back exactly."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for control, escape in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = escaped.replace(control, escape)
    return f'"{escaped}"'


def notify_command(
    title: str,
    body: str,
    platform: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[str] | None:
    """The ``gdbus`` command that shows the notification on a freedesktop desktop, or None
    where notifications go through Qt's tray icon (macOS, Windows, no ``gdbus``)."""
    if resolve(platform) != LINUX:
        return None
    gdbus = shutil.which("gdbus", path=(environ or {}).get("PATH", ""))
    if gdbus is None:
        return None
    hints = "{" + f'"desktop-entry": <{gvariant_string(DESKTOP_ENTRY)}>' + "}"
    return [
        gdbus, "call", "--session",
        "--dest", "org.freedesktop.Notifications",
        "--object-path", "/org/freedesktop/Notifications",
        "--method", "org.freedesktop.Notifications.Notify",
        gvariant_string(APP_NAME),  # app_name
        "0",  # replaces_id: a new notification
        gvariant_string(DESKTOP_ENTRY),  # app_icon, by its name in the icon theme
        gvariant_string(title),
        gvariant_string(body),
        "[]",  # actions
        hints,
        str(EXPIRE_MS),
    ]  # fmt: skip
