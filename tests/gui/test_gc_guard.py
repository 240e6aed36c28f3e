"""The app's garbage collection runs on the GUI thread, as the thresholds ask."""

from __future__ import annotations

import gc
import threading

from gui.gc_guard import GuiThreadCollector


class _Cycle:
    def __init__(self, log: list[str]) -> None:
        self.me = self
        self.log = log

    def __del__(self) -> None:
        self.log.append(threading.current_thread().name)


def test_cycles_are_collected_on_the_gui_thread_only(qapp, qtbot) -> None:
    # As when the app starts: collection on (the autouse fixture has turned it off), so that
    # only the collector itself can make the checks below hold.
    gc.enable()
    collector = GuiThreadCollector(qapp)
    freed: list[str] = []
    try:
        assert not gc.isenabled()

        def churn() -> None:  # a worker leaving far more cycles than a threshold allows
            for _ in range(2000):
                _Cycle(freed)

        worker = threading.Thread(target=churn, name="worker")
        worker.start()
        worker.join()
        assert freed == []  # nothing collected on the worker
        qtbot.waitUntil(lambda: len(freed) == 2000, timeout=5000)
        assert set(freed) == {threading.main_thread().name}
    finally:
        collector.stop()
    assert gc.isenabled()
