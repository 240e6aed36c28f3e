"""Fixtures for the desktop app's tests: a qasync event loop, windows on a scratch profile,
and guards that fail any test leaving a thread, a timer or an asyncio task behind (child
processes are guarded for every test in ``tests/conftest.py``)."""

from __future__ import annotations

import asyncio
import gc
import shutil
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt, QThreadPool, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from core.layout import MANIFEST_NAME
from core.manifest import DONE
from core.runner import LocalRunner
from core.settings import Settings
from gui.appdirs import AppDirs
from gui.event_loop import make_event_loop
from gui.main_window import MainWindow
from gui.user_settings import SettingsStore, UserSettings
from tests import media

# Threads that end on their own shortly after their work (asyncio's waitpid helpers) get
# this long before they count as left behind.
_GRACE = 5.0

STEP_SECONDS = 8
FAST = Settings(snippet_seconds=3, gif_fps=5, gif_width=64, frame_width=0, jpeg_quality=90)


def leftover_threads(before: set[threading.Thread], grace: float = _GRACE) -> list[str]:
    """Names of threads started since ``before`` that are still alive after ``grace``."""
    deadline = time.monotonic() + grace
    while True:
        alive = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not alive or time.monotonic() > deadline:
            return [t.name for t in alive]
        app = QApplication.instance()
        if app is not None:
            app.processEvents()
        alive[0].join(0.05)


class TimerWatch:
    """Records every QTimer started from Python, to find those still running."""

    def __init__(self) -> None:
        self._timers: weakref.WeakSet[QTimer] = weakref.WeakSet()

    def record(self, timer: QTimer) -> None:
        self._timers.add(timer)

    def active(self) -> list[str]:
        return [
            t.objectName() or repr(t)
            for t in list(self._timers)
            if shiboken6.isValid(t) and t.isActive()
        ]


@pytest.fixture(autouse=True)
def collect_garbage_on_the_gui_thread() -> Iterator[None]:
    """Python wrappers of Qt objects (windows, closed event loops) end up in reference
    cycles. A collection run by a worker thread (boto3's, the emulator's) would destroy them
    there, which Qt refuses for objects with timers; so during a test only this thread
    collects, here."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect()


@pytest.fixture(autouse=True)
def no_leftover_threads_or_timers(qapp, monkeypatch) -> Iterator[TimerWatch]:
    before = set(threading.enumerate())
    watch = TimerWatch()
    original_start = QTimer.start

    def start(self: QTimer, *args: object) -> None:
        watch.record(self)
        original_start(self, *args)

    monkeypatch.setattr(QTimer, "start", start)
    yield watch
    problems = []
    threads = leftover_threads(before)
    if threads:
        problems.append(f"threads still running: {', '.join(threads)}")
    timers = watch.active()
    if timers:
        problems.append(f"timers still active: {', '.join(timers)}")
    if QThreadPool.globalInstance().activeThreadCount():
        problems.append("Qt's global thread pool is still busy")
    if problems:
        pytest.fail("test left work running: " + "; ".join(problems))


@pytest.fixture
def qt_loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    """An asyncio loop driven by Qt's: anything that processes Qt events (qtbot.waitUntil,
    waitSignal) also runs asyncio callbacks, as in the app."""
    loop = make_event_loop(qapp)
    asyncio.set_event_loop(loop)
    # The app runs this loop with run_forever(); a test instead drives Qt's loop itself, so
    # the loop is declared running the way qasync does for an already running application.
    asyncio.events._set_running_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        deadline = time.monotonic() + _GRACE
        while any(not t.done() for t in pending) and time.monotonic() < deadline:
            qapp.processEvents()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
        loop.close()
        # A closed qasync loop keeps the Qt timers of its cancelled call_later()s (asyncio
        # timeouts of minutes) running. Its timer object is deleted here, on the GUI thread:
        # left to the garbage collector, it may be freed from another thread, where Qt cannot
        # stop its timers, and one firing later crashes the whole test run.
        shiboken6.delete(loop._timer)
        if pending:
            pytest.fail(f"test left asyncio tasks running: {pending}")


@pytest.fixture
def app_dirs(tmp_path: Path) -> AppDirs:
    return AppDirs.under(tmp_path / "profile")


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def user_settings(app_dirs: AppDirs, out_dir: Path) -> UserSettings:
    """Small, fast settings, saved where the window will read them."""
    settings = UserSettings(processing=FAST, output_folder=out_dir)
    settings = settings.with_backend_values("local", workers=2)
    SettingsStore(app_dirs.settings_file).save(settings)
    return settings


@pytest.fixture
def make_window(qtbot, qt_loop, app_dirs, user_settings) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(**kwargs: object) -> MainWindow:
        window = MainWindow(app_dirs, **kwargs)  # type: ignore[arg-type]
        window.show()
        windows.append(window)
        return window

    yield make
    for window in windows:
        close_window(qtbot, window)


def close_window(qtbot, window: MainWindow) -> None:
    window.close()
    qtbot.waitUntil(window.is_closed, timeout=20_000)


@pytest.fixture(scope="session")
def step_video(make_video) -> Path:
    """A 160×120 video whose brightness steps every second (see tests.media)."""
    return make_video(media.Spec("step-8s.mp4", media.step_source(STEP_SECONDS)))


@pytest.fixture(scope="session")
def long_video(make_video) -> Path:
    # Small and at 5 fps: quick to generate, and still one brightness step per second.
    return make_video(media.Spec("step-30s.mp4", media.step_source(30, size="64x48", rate=5)))


@pytest.fixture(scope="session")
def step_job(tmp_path_factory, step_video) -> Path:
    """The brightness-step video processed once (snippets of 3 s, stills at video size)."""
    job_dir = tmp_path_factory.mktemp("jobs") / "step"
    manifest = asyncio.run(LocalRunner(FAST, workers=2).run_job(step_video, job_dir))
    assert manifest.status == DONE
    return job_dir


@pytest.fixture(scope="session")
def timecode_job(tmp_path_factory, make_video) -> Path:
    """8 s with a start timecode of 01:00:00:00 at 25 fps and sound, processed once (snippets
    of 3 s, a still every second)."""
    job_dir = tmp_path_factory.mktemp("jobs") / "timecode"
    video = make_video(media.TIMECODE_MOV)
    manifest = asyncio.run(LocalRunner(FAST, workers=2).run_job(video, job_dir))
    assert manifest.status == DONE
    return job_dir


@pytest.fixture
def tc_job(timecode_job: Path, tmp_path: Path) -> Path:
    """A copy of :func:`timecode_job` for one test to change (marks, exports)."""
    return Path(shutil.copytree(timecode_job, tmp_path / "tc-job"))


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "notes.mp4"
    path.write_text("shot list\n1. harbour\n2. cranes\n")
    return path


def wait_finished(qtbot, window: MainWindow, timeout: int = 60_000) -> None:
    qtbot.waitUntil(
        lambda: all(e.finished for e in window.model) and window.scheduler.is_idle(),
        timeout=timeout,
    )


def add_and_wait(qtbot, window: MainWindow, paths: list[Path]):
    task = window.add_paths(paths)
    qtbot.waitUntil(task.done, timeout=10_000)
    return task.result()


def click_row_button(qtbot, window, entry_id: str, action: str) -> None:
    """Click the row's button for ``action`` (failing when the row does not offer it)."""
    view = window.queue_view
    index = window.model.index_of(entry_id)
    rect = view.visualRect(index)
    boxes = dict(window.delegate.button_rects(rect, window.model.entry(entry_id)))
    assert action in boxes, f"{action} not offered; row has {list(boxes)}"
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=boxes[action].center().toPoint()
    )


def show_job(qtbot, window: MainWindow, job_dir: Path) -> None:
    """Open the job in ``job_dir`` and wait until the preview shows it."""
    task = window.open_job(job_dir / MANIFEST_NAME)
    qtbot.waitUntil(task.done)
    assert task.result() is not None
    qtbot.waitUntil(lambda: window.preview.model() is not None)


def focus(qtbot, widget) -> None:
    """Give ``widget`` the keyboard focus in its active window (window shortcuts then work)."""
    window = widget.window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus)
