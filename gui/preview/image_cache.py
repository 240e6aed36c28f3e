"""Decoded still frames, bounded in memory, loaded on demand.

A 3-hour job has 10,800 stills: none is read until it is about to be shown. The image at
the current position is decoded at once (a 640 px JPEG takes a few milliseconds);
neighbours and filmstrip thumbnails are decoded by background threads, newest request
first, so that what the user looks at now never waits behind what they looked at before.
Images are kept in a least-recently-used cache with a byte budget.

Every image is a job's output (``<job>/<folder>/<file>``) and job folders are untrusted: an
image is read with :func:`core.safe_read.read_job_file` (a regular file inside its job
folder, of bounded size, never a FIFO that would block the reading thread forever) and
decoded from memory, with Qt's allocation limit on the decoded size.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader

from core.errors import FrameFanError
from core.safe_read import read_job_file

DEFAULT_BUDGET = 80 * 1024 * 1024  # about 90 stills of 640 × 360
_MAX_PENDING = 256  # older background requests are dropped beyond this
MAX_IMAGE_BYTES = 64 * 1024 * 1024  # a still's file, at most
_MAX_DECODED_MB = 256  # a still decoded, at most (an 8K picture takes 130 MB)


class ImageKey(NamedTuple):
    path: str
    # The box the image is decoded to fit, its shape kept; 0 × 0: the image's own size.
    width: int = 0
    height: int = 0

    @classmethod
    def of(cls, path: Path, size: QSize | None = None) -> ImageKey:
        if size is None or size.isEmpty():
            return cls(str(path))
        return cls(str(path), size.width(), size.height())


def decode(key: ImageKey) -> QImage | None:
    """Read one image, scaled while decoding to fit the key's box with its shape kept when
    a box is given (JPEG decodes at 1/2, 1/4 or 1/8 scale for the price of that size); None
    when it cannot be read. Only a regular file of its job folder, of bounded size, is read,
    and it is decoded from memory."""
    path = Path(key.path)
    try:
        data = read_job_file(path, within=path.parent.parent, limit=MAX_IMAGE_BYTES)
    except (OSError, FrameFanError):
        return None
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAllocationLimit(_MAX_DECODED_MB)
    box = QSize(key.width, key.height)
    size = reader.size()
    if not box.isEmpty() and size.isValid():
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    buffer.close()
    if image.isNull():
        return None
    if not box.isEmpty() and not size.isValid():  # a format that cannot tell its size first
        image = image.scaled(
            box, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return image


class ImageCache(QObject):
    loaded = Signal(object)  # ImageKey of an image now in the cache
    _decoded = Signal(object, object)  # from decoder threads: ImageKey, QImage | None

    def __init__(
        self, budget: int = DEFAULT_BUDGET, threads: int = 1, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._budget = budget
        self._images: OrderedDict[ImageKey, QImage] = OrderedDict()
        self._bytes = 0
        self._unreadable: set[ImageKey] = set()
        self._decoder = _Decoder(threads, self._decoded.emit)
        self._decoded.connect(self._store_decoded)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._images)

    def get(self, key: ImageKey) -> QImage | None:
        image = self._images.get(key)
        if image is not None:
            self._images.move_to_end(key)
        return image

    def load_now(self, key: ImageKey) -> QImage | None:
        """The image, decoded on this thread if it is not cached."""
        image = self.get(key)
        if image is None and key not in self._unreadable:
            image = decode(key)
            self._put(key, image)
        return image

    def request(self, keys: Iterable[ImageKey]) -> None:
        """Decode in the background what is not cached; the last key is decoded first.
        :attr:`loaded` is emitted for each image as it arrives."""
        for key in keys:
            if key not in self._images and key not in self._unreadable:
                self._decoder.submit(key)

    def forget_unreadable(self) -> None:
        """Try again images that could not be read (files may have been written since)."""
        self._unreadable.clear()

    def forget_under(self, folder: Path) -> None:
        """Drop every image of ``folder`` (its files are about to be written anew)."""
        prefix = str(folder) + ("" if str(folder).endswith(("/", "\\")) else os.sep)
        for key in [k for k in self._images if k.path.startswith(prefix)]:
            self._bytes -= self._images.pop(key).sizeInBytes()
        self._unreadable = {k for k in self._unreadable if not k.path.startswith(prefix)}

    def idle(self) -> bool:
        return self._decoder.idle()

    def shutdown(self) -> None:
        self._decoder.stop()

    def _store_decoded(self, key: ImageKey, image: QImage | None) -> None:
        if key not in self._images:
            self._put(key, image)
        if image is not None:
            self.loaded.emit(key)

    def _put(self, key: ImageKey, image: QImage | None) -> None:
        if image is None:
            self._unreadable.add(key)
            return
        self._images[key] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self._budget and len(self._images) > 1:
            _, old = self._images.popitem(last=False)
            self._bytes -= old.sizeInBytes()


class _Decoder:
    """Background decoding threads fed newest-first, started on first use."""

    def __init__(self, count: int, deliver: Callable[[ImageKey, QImage | None], None]) -> None:
        self._count = count
        self._deliver = deliver
        self._pending: OrderedDict[ImageKey, None] = OrderedDict()
        self._busy = 0
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._stopped = False

    def submit(self, key: ImageKey) -> None:
        with self._cond:
            if self._stopped:
                return
            self._pending.pop(key, None)
            self._pending[key] = None
            while len(self._pending) > _MAX_PENDING:
                self._pending.popitem(last=False)
            if not self._threads:
                for n in range(self._count):
                    thread = threading.Thread(target=self._work, name=f"framefan-decode-{n}")
                    thread.start()
                    self._threads.append(thread)
            self._cond.notify()

    def idle(self) -> bool:
        with self._cond:
            return not self._pending and not self._busy

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._pending.clear()
            self._cond.notify_all()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stopped:
                    self._cond.wait()
                if self._stopped:
                    return
                key, _ = self._pending.popitem(last=True)
                self._busy += 1
            try:
                image = decode(key)
                with self._cond:
                    if self._stopped:
                        return
                self._deliver(key, image)
            finally:
                with self._cond:
                    self._busy -= 1
