"""**Add from S3…**: browse a bucket the editor may read and choose videos to process there,
in place (no upload).

The stack's source buckets are offered first; any bucket can be typed. Listing runs in a
worker thread (it waits on the network), one level at a time: folders open on a
double-click or Enter, Backspace goes up. Only videos can be chosen; what the stack cannot
read is refused when the job starts, saying which stack parameter to change.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import FrameFanError

if TYPE_CHECKING:
    from ..main_window import MainWindow

RunBlocking = Callable[..., "asyncio.Future[Any]"]
FOLDER, VIDEO = "folder", "video"
_ROLE = Qt.ItemDataRole.UserRole


class S3Browser(QDialog):
    def __init__(self, target: Any, run_blocking: RunBlocking, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Add videos from S3")
        self.setObjectName("s3Browser")
        self.resize(640, 440)
        self._target = target
        self._run_blocking = run_blocking
        self._task: asyncio.Future[Any] | None = None

        self.bucket = QComboBox()
        self.bucket.setEditable(True)
        self.bucket.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.bucket.lineEdit().setPlaceholderText("bucket")
        self.bucket.setAccessibleName("Bucket")
        self.bucket.setMinimumWidth(200)
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("folder (optional), e.g. shoots/2026/")
        self.prefix.setAccessibleName("Folder in the bucket")
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("List the videos and folders here")
        self.up_button = QPushButton("Up")
        self.up_button.setToolTip("The folder above (Backspace)")
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["Name", "Size", "Modified"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setAccessibleName("Videos and folders")
        self.list.setColumnWidth(0, 360)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setObjectName("s3Status")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add to queue")
        self.add_button.setEnabled(False)

        where = QHBoxLayout()
        where.addWidget(QLabel("Bucket"))
        where.addWidget(self.bucket, 1)
        where.addWidget(QLabel("Folder"))
        where.addWidget(self.prefix, 2)
        where.addWidget(self.show_button)
        where.addWidget(self.up_button)
        layout = QVBoxLayout(self)
        layout.addLayout(where)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

        self.show_button.clicked.connect(self.refresh)
        self.up_button.clicked.connect(self.go_up)
        self.prefix.returnPressed.connect(self.refresh)
        self.bucket.lineEdit().returnPressed.connect(self.refresh)
        self.list.itemActivated.connect(self._activated)
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.finished.connect(self._cancel)

        self._say("Looking for the stack's source buckets…")
        self._start(self._buckets_found, _source_buckets, target)

    # -- what was chosen ----------------------------------------------------------------------

    def chosen(self) -> list[str]:
        """``s3://BUCKET/KEY`` of each video selected."""
        bucket = self.bucket.currentText().strip()
        return [
            f"s3://{bucket}/{item.data(0, _ROLE)[1]}"
            for item in self.list.selectedItems()
            if item.data(0, _ROLE)[0] == VIDEO
        ]

    # -- listing ------------------------------------------------------------------------------

    def refresh(self) -> None:
        bucket = self.bucket.currentText().strip()
        if not bucket:
            self._say("Enter the bucket to look in.")
            return
        prefix = self.prefix.text().strip().lstrip("/")
        self.list.clear()
        self._say(f"Listing s3://{bucket}/{prefix}…")
        self._start(self._listed, _browse, self._target, bucket, prefix)

    def go_up(self) -> None:
        parts = self.prefix.text().strip().strip("/").split("/")
        self.prefix.setText("/".join(parts[:-1]) + ("/" if len(parts) > 1 else ""))
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Backspace and not self.prefix.hasFocus():
            self.go_up()
            return
        super().keyPressEvent(event)

    def _start(self, done: Callable[[Any], None], func: Callable[..., Any], *args: Any) -> None:
        self._cancel()
        self.show_button.setEnabled(False)
        task = self._run_blocking(func, *args)
        self._task = task
        task.add_done_callback(lambda t: self._finished(t, done))

    def _finished(self, task: asyncio.Future[Any], done: Callable[[Any], None]) -> None:
        if task is not self._task or task.cancelled():
            return
        self._task = None
        self.show_button.setEnabled(True)
        error = task.exception()
        if error is not None:
            self._say(str(error) if isinstance(error, FrameFanError) else f"Failed: {error}")
            return
        done(task.result())

    def _cancel(self, *_: object) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    def _buckets_found(self, buckets: tuple[str, ...]) -> None:
        current = self.bucket.currentText()
        self.bucket.clear()
        self.bucket.addItems(list(buckets))
        self.bucket.setCurrentText(current or (buckets[0] if buckets else ""))
        if buckets:
            self.refresh()
        else:
            self._say(
                "The stack lists no source buckets (stack parameter SourceBuckets): enter a "
                "bucket you can read."
            )

    def _listed(self, folder: Any) -> None:
        self.list.clear()
        for prefix in folder.folders:
            name = prefix[len(folder.prefix) :]
            item = QTreeWidgetItem([f"📁 {name}", "", ""])
            item.setData(0, _ROLE, (FOLDER, prefix))
            item.setToolTip(0, "Open this folder (double-click or Enter)")
            self.list.addTopLevelItem(item)
        for video in folder.videos:
            when = video.modified.strftime("%Y-%m-%d %H:%M") if video.modified else ""
            item = QTreeWidgetItem([video.key[len(folder.prefix) :], _size(video.size), when])
            item.setData(0, _ROLE, (VIDEO, video.key))
            item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.list.addTopLevelItem(item)
        found = [_count(len(folder.videos), "video")]
        if folder.folders:
            found.append(_count(len(folder.folders), "folder"))
        more = " (the first ones only: narrow the folder)" if folder.truncated else ""
        self._say(f"{' and '.join(found)} in s3://{folder.bucket}/{folder.prefix}{more}")
        if self.list.topLevelItemCount():
            self.list.setCurrentItem(self.list.topLevelItem(0), 0)

    def _activated(self, item: QTreeWidgetItem, _column: int) -> None:
        kind, key = item.data(0, _ROLE)
        if kind == FOLDER:
            self.prefix.setText(key)
            self.refresh()
        elif self.chosen():
            self.accept()

    def _selection_changed(self) -> None:
        count = len(self.chosen())
        self.add_button.setEnabled(count > 0)
        self.add_button.setText(f"Add {count} to queue" if count > 1 else "Add to queue")

    def _say(self, text: str) -> None:
        self.status.setText(text)


def open_s3_browser(window: MainWindow) -> S3Browser | None:
    """Open the browser for the AWS backend's credentials; the videos chosen are queued."""
    from core.cloud.stack import CloudTarget

    cloud = window.settings.values_of("lambda")
    if not cloud.get("stack"):
        window.message_bar.show_message(
            "Videos in S3 are processed on AWS: enter the stack in the settings first.",
            actions=[("Settings…", window.open_settings)],
        )
        return None
    target = CloudTarget(
        str(cloud["stack"]), str(cloud["profile"]) or None, str(cloud["region"]) or None
    )
    dialog = S3Browser(target, window.run_blocking, window)
    dialog.accepted.connect(lambda: queue_s3_videos(window, dialog.chosen()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog


def queue_s3_videos(window: MainWindow, uris: list[str]) -> None:
    """Queue videos that are in S3: they run on AWS (Automatic sends them there too)."""
    from ..queue.entry import QueueEntry

    queued = {e.input for e in window.model if e.input}
    fresh = [uri for uri in dict.fromkeys(uris) if uri not in queued]
    where = window.settings.backend if window.settings.backend != "local" else "lambda"
    entries = [QueueEntry(input=u, name=u.rsplit("/", 1)[-1], backend=where) for u in fresh]
    window.model.add(entries)
    skipped = len(uris) - len(fresh)
    note = f"; {skipped} already in the queue" if skipped else ""
    window.statusBar().showMessage(f"Added {len(entries)} from S3{note}", 12000)
    if entries and not window.queue_view.currentIndex().isValid():
        window.select(entries[0].id)
    window.scheduler.pump()


def _source_buckets(target: Any) -> tuple[str, ...]:
    from core.cloud.s3source import source_buckets

    return source_buckets(target)


def _browse(target: Any, bucket: str, prefix: str) -> Any:
    from core.cloud.s3source import browse

    return browse(target, bucket, prefix)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _size(count: int) -> str:
    return QLocale().formattedDataSize(count, 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)
