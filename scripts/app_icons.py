"""FrameFan's icon files for the installers, drawn from the icon the app draws in code.

build.spec writes them at build time (nothing drawn by hand is kept in the repository):

- ``FrameFan.ico`` for Windows (the program's icon, the installer's and the Start menu's):
  16 to 256 pixels, each size drawn at that size, so the small ones stay sharp;
- ``FrameFan.icns`` for the macOS app bundle: 16 to 1024 pixels (Retina sizes included).

Qt draws each size (gui.icons.app_image); Pillow writes the two container formats.

    python scripts/app_icons.py OUTPUT_FOLDER
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZES = (16, 32, 64, 128, 256, 512, 1024)
ICO_NAME = "FrameFan.ico"
ICNS_NAME = "FrameFan.icns"


def _images(sizes: tuple[int, ...]):
    # Drawing needs no display: the offscreen platform is enough (and the only one in CI).
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PIL import Image
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication

    from gui.icons import app_image

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    images = {}
    for size in sizes:
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not app_image(size).save(buffer, "PNG"):
            raise RuntimeError(f"cannot render the {size} px icon")
        buffer.close()
        images[size] = Image.open(io.BytesIO(bytes(data.data()))).convert("RGBA")
    return images


def write_ico(path: Path) -> Path:
    images = _images(ICO_SIZES)
    largest = images[ICO_SIZES[-1]]
    others = [images[s] for s in ICO_SIZES[:-1]]
    path.parent.mkdir(parents=True, exist_ok=True)
    largest.save(path, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=others)
    return path


def write_icns(path: Path) -> Path:
    images = _images(ICNS_SIZES)
    largest = images[ICNS_SIZES[-1]]
    path.parent.mkdir(parents=True, exist_ok=True)
    largest.save(path, format="ICNS", append_images=[images[s] for s in ICNS_SIZES[:-1]])
    return path


def write_icons(folder: Path) -> tuple[Path, Path]:
    return write_ico(folder / ICO_NAME), write_icns(folder / ICNS_NAME)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for written in write_icons(Path(sys.argv[1])):
        print(written)
