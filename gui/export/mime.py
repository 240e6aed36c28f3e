"""What a picture handed to another program carries, for a drag or the clipboard: the file
(a named copy, as ``text/uri-list``), the picture (Qt's image data, which each system offers
in its own formats) and the file's bytes under their own type (``image/jpeg``,
``image/gif``: an animated GIF stays animated where it is taken as such).

File managers paste a copied file from ``text/uri-list`` (KDE, Windows, macOS) or from
``x-special/gnome-copied-files`` (GNOME's Files and others of its kind); both are given to
the clipboard.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtGui import QImage

URI_LIST = "text/uri-list"
GNOME_FILES = "x-special/gnome-copied-files"
_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif"}


def picture_mime(
    path: Path, data: bytes, image: QImage | None, *, clipboard: bool = False
) -> QMimeData:
    """The data of the picture file ``path`` (holding ``data``), shown as ``image``."""
    mime = QMimeData()
    url = QUrl.fromLocalFile(str(path))
    mime.setUrls([url])
    if clipboard:
        mime.setData(GNOME_FILES, b"copy\n" + url.toEncoded().data())
    if image is not None and not image.isNull():
        mime.setImageData(image)
    kind = _TYPES.get(path.suffix.lower())
    if kind is not None:
        mime.setData(kind, data)
    return mime
