"""The main window's layout: the message bar across the top, then the queue beside the
preview, and the queue's summary in the status bar."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QVBoxLayout, QWidget

DEFAULT_SIZE = (1280, 800)
MIN_SIZE = (760, 500)  # the still stays larger than the GIF beside it (the GIF column shrinks)
QUEUE_WIDTH = 420
QUEUE_MIN_WIDTH = 280
PREVIEW_ROOM = 600  # in a window too small for both, the queue narrows first, to its minimum


def build_layout(
    window: QMainWindow,
    message_bar: QWidget,
    queue_view: QWidget,
    preview: QWidget,
    queue_status: QLabel,
) -> QSplitter:
    """Lay the parts out in ``window``; returns the splitter (its state is saved)."""
    queue_panel = QWidget()
    title = QLabel("Queue")
    title.setObjectName("queueTitle")
    title.setBuddy(queue_view)
    queue_layout = QVBoxLayout(queue_panel)
    queue_layout.setContentsMargins(0, 10, 0, 0)
    queue_layout.setSpacing(6)
    title.setContentsMargins(14, 0, 14, 0)
    queue_layout.addWidget(title)
    queue_layout.addWidget(queue_view, 1)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setObjectName("mainSplitter")
    splitter.addWidget(queue_panel)
    splitter.addWidget(preview)
    splitter.setStretchFactor(1, 1)
    splitter.setChildrenCollapsible(False)
    splitter.setHandleWidth(1)
    splitter.setSizes([QUEUE_WIDTH, DEFAULT_SIZE[0] - QUEUE_WIDTH])
    queue_panel.setMinimumWidth(QUEUE_MIN_WIDTH)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(message_bar)
    layout.addWidget(splitter, 1)
    window.setCentralWidget(central)
    window.statusBar().addPermanentWidget(queue_status)
    window.setMinimumSize(*MIN_SIZE)
    window.resize(*DEFAULT_SIZE)
    return splitter


def favor_preview(splitter: QSplitter) -> None:
    """Give the preview the room of a small window: the queue narrows before the still
    does (down to the queue's minimum)."""
    queue, preview = splitter.sizes()
    if preview < PREVIEW_ROOM and queue > QUEUE_MIN_WIDTH:
        narrower = max(QUEUE_MIN_WIDTH, queue + preview - PREVIEW_ROOM)
        splitter.setSizes([narrower, queue + preview - narrower])
