"""The desktop app's per-system parts, against real counterparts: a private D-Bus session
with a file manager and a notification server that check their calls' types, a stand-in
``xdg-open`` on PATH, and real ``QFileOpenEvent``s as macOS sends for videos dropped on the
Dock icon."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtWidgets import QMainWindow

from gui.platform.file_manager import FileManager
from gui.platform.file_open import receive_opened_files
from gui.platform.notify import DESKTOP, QueueNotifier
from gui.platform.taskbar import TaskbarProgress
from tests.platform.desktop_bus import fake_desktop, needs_dbus, private_bus, wait_for

LAUNCHER = "com.canonical.Unity.LauncherEntry"


@pytest.fixture
def bus(tmp_path: Path):
    with private_bus(tmp_path) as address:
        yield address


@pytest.fixture
def stand_in_xdg_open(tmp_path: Path) -> tuple[Path, Path]:
    """An ``xdg-open`` that records its arguments and environment; (its folder, the record)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    record = tmp_path / "xdg-open.txt"
    program = folder / "xdg-open"
    program.write_text(
        "#!/bin/sh\n"
        f'{{ printf "%s\\n" "$@"; echo "LD=${{LD_LIBRARY_PATH-unset}}"; }} > "{record}.part"\n'
        f'mv "{record}.part" "{record}"\n'
    )
    program.chmod(0o755)
    return folder, record


def job_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "out" / "été $(x) #1-0123456789"
    folder.mkdir(parents=True)
    return folder


@needs_dbus
def test_reveal_asks_the_file_manager_to_select_the_folder(qtbot, tmp_path, bus):
    folder = job_folder(tmp_path)
    manager = FileManager(environ={"PATH": ""}, bus_address=bus)
    with fake_desktop(bus, "file-manager") as calls:
        with qtbot.waitSignal(manager.shown, timeout=10_000) as shown:
            manager.reveal(folder)
        assert shown.args == ["ShowItems"]
        expected = [("org.freedesktop.FileManager1", "ShowItems", [[folder.as_uri()], ""])]
        qtbot.waitUntil(lambda: calls.received() == expected)
        with qtbot.waitSignal(manager.shown, timeout=10_000):
            manager.open_folder(folder.parent)
        qtbot.waitUntil(lambda: len(calls.received()) == 2)
        assert calls.received()[-1][1:] == ("ShowFolders", [[folder.parent.as_uri()], ""])


@needs_dbus
def test_without_a_file_manager_xdg_open_opens_the_folder(qtbot, tmp_path, bus, stand_in_xdg_open):
    folder = job_folder(tmp_path)
    bin_dir, record = stand_in_xdg_open
    # The environment of the desktop's programs (a bundle's own paths already removed).
    manager = FileManager(environ={"PATH": f"{bin_dir}:/usr/bin:/bin"}, bus_address=bus)
    with qtbot.waitSignal(manager.shown, timeout=10_000) as shown:
        manager.reveal(folder)
    assert shown.args == [str(bin_dir / "xdg-open")]
    wait_for(record.exists)
    assert record.read_text() == f"{folder.parent}\nLD=unset\n"


@needs_dbus
def test_nothing_to_show_it_with_is_one_sentence(qtbot, tmp_path, bus):
    folder = job_folder(tmp_path)
    manager = FileManager(environ={"PATH": str(tmp_path / "nothing")}, bus_address=bus)
    with qtbot.waitSignal(manager.failed, timeout=10_000) as failed:
        manager.reveal(folder)
    (message,) = failed.args
    assert message.startswith(f"Cannot show {folder}: no file manager answered over D-Bus")
    assert "\n" not in message


def test_a_folder_that_is_gone_is_reported(qtbot, tmp_path):
    manager = FileManager(environ={"PATH": ""})
    with qtbot.waitSignal(manager.failed) as failed:
        manager.reveal(tmp_path / "deleted-job")
    assert failed.args == [f"Cannot show {tmp_path / 'deleted-job'}: it no longer exists"]


def test_the_rows_show_output_folder_goes_through_the_file_manager(
    qtbot, make_window, tmp_path, step_video
):
    window = make_window()
    window.scheduler.set_held(True)
    task = window.add_paths([step_video])
    qtbot.waitUntil(task.done)
    (entry,) = list(window.model)
    entry.job_dir = tmp_path / "removed-meanwhile"
    window.run_row_action(entry.id, "reveal")
    assert window.message_bar.isVisibleTo(window)
    assert "it no longer exists" in window.message_bar.text.text()


@needs_dbus
@pytest.mark.skipif(shutil.which("gdbus") is None, reason="needs GLib's gdbus")
def test_queue_finished_is_a_desktop_notification(qtbot, tmp_path, bus):
    window = QMainWindow()
    qtbot.addWidget(window)
    env = {"PATH": os.path.dirname(shutil.which("gdbus") or ""), "DBUS_SESSION_BUS_ADDRESS": bus}
    notifier = QueueNotifier(window, environ=env)
    with fake_desktop(bus, "notifications") as calls:
        with qtbot.waitSignal(notifier.delivered, timeout=20_000) as delivered:
            notifier.queue_finished(3, 1, 0)
        assert delivered.args == [DESKTOP]
        qtbot.waitUntil(lambda: len(calls.received()) == 1)
        assert calls.received() == [
            (
                "org.freedesktop.Notifications",
                "Notify",
                ["FrameFan", 0, "framefan", "FrameFan: queue finished", "3 done, 1 failed", [],
                 {"desktop-entry": "framefan"}, 10000],
            )
        ]  # fmt: skip
    assert window.statusBar().currentMessage() == "Queue finished: 3 done, 1 failed"
    notifier.close()


@needs_dbus
def test_without_a_notification_server_the_window_still_says_it(qtbot, tmp_path, bus):
    window = QMainWindow()
    qtbot.addWidget(window)
    env = {"PATH": "/usr/bin:/bin", "DBUS_SESSION_BUS_ADDRESS": bus}
    notifier = QueueNotifier(window, environ=env)
    with qtbot.waitSignal(notifier.notified) as notified:
        notifier.queue_finished(2, 0, 1)
    assert notified.args == ["FrameFan: queue finished", "2 done, 1 stopped"]
    qtbot.waitUntil(lambda: not notifier._senders, timeout=20_000)
    assert window.statusBar().currentMessage() == "Queue finished: 2 done, 1 stopped"
    notifier.close()


def test_files_the_system_opens_are_queued_like_a_drop(qtbot, make_window, tmp_path, step_video):
    window = make_window()
    window.scheduler.set_held(True)  # only the intake is under test here
    app = QCoreApplication.instance()
    assert receive_opened_files(app, window.add_paths, platform="linux") is None
    receiver = receive_opened_files(app, window.add_paths, platform="macos")
    assert receiver is not None
    second = tmp_path / "b-roll.mov"
    shutil.copy(step_video, second)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    # Finder sends one event per file dropped on the Dock icon.
    for path in (step_video, second, notes):
        QCoreApplication.postEvent(app, QFileOpenEvent(str(path)))
    qtbot.waitUntil(lambda: window.last_intake is not None, timeout=10_000)
    # One batch, one intake; the text file is queued and fails in its row, as when dropped.
    assert [e.name for e in window.model] == [step_video.name, "b-roll.mov", "notes.txt"]
    assert len(window.last_intake.new) == 3
    # A second batch later: its own intake, duplicates recognised as for a drop.
    window.last_intake = None
    QCoreApplication.postEvent(app, QFileOpenEvent(str(second)))
    qtbot.waitUntil(lambda: window.last_intake is not None)
    assert window.last_intake.duplicates == [second]
    assert len(window.model) == 3
    app.removeEventFilter(receiver)


@needs_dbus
def test_the_queues_progress_shows_on_the_dock(qtbot, bus):
    """Docks that follow the Unity launcher API (Ubuntu's, KDE's task manager) read the
    Update signal with the progress as a double and its visibility as a boolean."""
    taskbar = TaskbarProgress(platform="linux", bus_address=bus)
    with fake_desktop(bus, "launcher") as calls:
        taskbar.show(None, 0)  # nothing shown yet: nothing to hide
        taskbar.show(0.25, 3)
        taskbar.show(0.252, 3)  # too small a move to be worth a signal
        taskbar.show(0.5, 2)
        taskbar.clear()
        qtbot.waitUntil(lambda: len(calls.received()) == 3)
    shape = ("(sa{sv})", "/com/canonical/unity/launcherentry/framefan")
    uri = "application://framefan.desktop"
    assert calls.received() == [
        (
            LAUNCHER,
            "Update",
            [*shape, uri, {"progress": ["d", 0.25], "progress-visible": ["b", True]}],
        ),
        (
            LAUNCHER,
            "Update",
            [*shape, uri, {"progress": ["d", 0.5], "progress-visible": ["b", True]}],
        ),
        (LAUNCHER, "Update", [*shape, uri, {"progress-visible": ["b", False]}]),
    ]


def test_no_session_bus_means_no_dock_and_no_error(qtbot, tmp_path):
    taskbar = TaskbarProgress(platform="linux", bus_address=f"unix:path={tmp_path}/no-bus")
    taskbar.show(0.5, 1)  # said to nobody, silently
    taskbar.clear()
