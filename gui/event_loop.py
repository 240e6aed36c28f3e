"""The app's asyncio event loop, driven by Qt's (qasync)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import qasync
from PySide6.QtWidgets import QApplication


def make_event_loop(app: QApplication) -> qasync.QEventLoop:
    """A qasync loop whose default executor (``asyncio.to_thread``, which the cloud client
    uses for blocking SDK calls) is a Python thread pool: qasync's own runs Python code on
    QThreads, which Python's threading module can neither name nor join. Closing the loop
    waits for its threads."""
    loop = qasync.QEventLoop(app)
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="framefan-worker"))
    return loop
