"""FrameFan in the application menu of Linux desktops (GNOME, KDE, Xfce, …).

An unpacked archive has no installer to register it, so ``FrameFan --add-to-menu`` writes
what the freedesktop.org specifications ask for, for the current user only: a desktop entry
under ``$XDG_DATA_HOME/applications`` and the icon, at each size, under
``$XDG_DATA_HOME/icons/hicolor``. ``--remove-from-menu`` deletes exactly those files.
Moving the folder later needs ``--add-to-menu`` again (the entry names the program's path).

The entry declares the video types FrameFan opens, so file managers offer "Open with
FrameFan"; the files chosen are handed to the program (``%F``), which adds them to the queue.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core import __version__
from core.atomic import write_atomic

from ..icons import APP_ICON_SIZES, app_image

DESKTOP_FILE_ID = "framefan"
ENTRY_NAME = f"{DESKTOP_FILE_ID}.desktop"
ICON_NAME = "framefan"

# The MIME types (shared-mime-info names, with the aliases desktops still use) of the video
# files FrameFan takes: core.input_safety.VIDEO_EXTENSIONS.
VIDEO_MIME_TYPES = (
    "video/mp4", "video/x-m4v", "video/quicktime", "video/3gpp", "video/3gpp2",
    "video/x-matroska", "video/webm", "video/x-msvideo", "video/avi", "video/mp2t",
    "video/mpeg", "video/x-mpeg", "application/mxf", "video/x-ms-wmv",
    "application/vnd.ms-asf", "video/x-ms-asf", "video/x-flv", "video/ogg",
)  # fmt: skip


class DesktopEntryError(Exception):
    """A menu entry that cannot be written or removed, in words for the user."""


@dataclass(frozen=True)
class MenuFiles:
    entry: Path
    icons: list[Path]


def data_home() -> Path:
    configured = os.environ.get("XDG_DATA_HOME", "")
    # The specification ignores a relative value.
    if configured and os.path.isabs(configured):
        return Path(configured)
    return Path.home() / ".local" / "share"


def menu_files(base: Path | None = None) -> MenuFiles:
    base = base or data_home()
    icons = [
        base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        for size in APP_ICON_SIZES
    ]
    return MenuFiles(entry=base / "applications" / ENTRY_NAME, icons=icons)


def program_command() -> list[str]:
    """How the menu starts this FrameFan: the installed program, or this checkout's Python."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "gui"]


def quote_exec_argument(argument: str) -> str:
    """One argument of a desktop entry's ``Exec`` key.

    Arguments with reserved characters go in double quotes, with ``"`` `` ` `` ``$`` ``\\``
    escaped by a backslash; the key's value is itself a string in which a backslash must be
    escaped once more, and control characters written as escapes.
    """
    if argument and not any(c in argument for c in " \t\n\"'\\><~|&;$*?#()`"):
        return argument
    quoted = "".join("\\" + c if c in '"`$\\' else c for c in argument)
    value = f'"{quoted}"'.replace("\\", "\\\\")
    return value.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def entry_text(command: list[str]) -> str:
    exec_line = " ".join(quote_exec_argument(a) for a in command) + " %F"
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.0",
            "Name=FrameFan",
            "GenericName=Video preview maker",
            "Comment=Cut videos into snippets with GIF previews and a frame for every second",
            f"Exec={exec_line}",
            f"Icon={ICON_NAME}",
            "Terminal=false",
            "Categories=AudioVideo;Video;",
            "Keywords=video;gif;preview;thumbnail;snippet;frames;",
            "MimeType=" + "".join(f"{kind};" for kind in VIDEO_MIME_TYPES),
            "StartupWMClass=FrameFan",
            f"X-FrameFan-Version={__version__}",
            "",
        ]
    )


def add_to_menu(base: Path | None = None, command: list[str] | None = None) -> MenuFiles:
    command = command or program_command()
    if any("%" in argument for argument in command):
        # The specification's escape (%%) is not understood by GLib when it checks that the
        # program exists, so GNOME would drop the entry without a word.
        raise DesktopEntryError(
            f"cannot add {command[0]} to the menu: desktops cannot start a program whose path "
            "holds a %. Rename that folder, then add it again"
        )
    files = menu_files(base)
    try:
        for size, path in zip(APP_ICON_SIZES, files.icons, strict=True):
            write_atomic(path, _png(size))
            path.chmod(0o644)
        write_atomic(files.entry, entry_text(command).encode("utf-8"))
        files.entry.chmod(0o755)  # some desktops only start entries marked executable
    except OSError as exc:
        raise DesktopEntryError(f"cannot write the menu entry: {exc}") from exc
    _update_mime_cache(files.entry.parent)
    return files


def remove_from_menu(base: Path | None = None) -> list[Path]:
    files = menu_files(base)
    removed = []
    for path in [files.entry, *files.icons]:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopEntryError(f"cannot remove {path}: {exc}") from exc
        removed.append(path)
    if removed:
        _update_mime_cache(files.entry.parent)
    return removed


def _update_mime_cache(applications: Path) -> None:
    """Refresh the folder's cache of which entry opens which type, where the desktop keeps
    one (without it, "Open with" menus may not list FrameFan until the next login)."""
    tool = shutil.which("update-desktop-database")
    if tool is not None:
        subprocess.run(
            [tool, "--quiet", str(applications)],
            check=False,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )


def _png(size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not app_image(size).save(buffer, "PNG"):
        raise DesktopEntryError(f"cannot render the {size} px icon")
    buffer.close()
    return bytes(data.data())
