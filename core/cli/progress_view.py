"""Live progress bars for ``framefan process`` on a terminal: one line per job, with its
time left eased as in the window (core.progress.EtaClock)."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
)

from ..events import JobEvent, JobFinished, JobProgress, JobStarted, UploadProgress
from ..progress import EtaClock
from ..timefmt import format_clock


class ProgressView:
    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._progress = Progress(
            TextColumn("{task.description}", style="bold"),
            BarColumn(),
            TextColumn("{task.percentage:>5.1f}%"),
            TextColumn("{task.fields[snippets]}"),
            TextColumn("{task.fields[eta]}"),
            console=self._console,
        )
        self._tasks: dict[str, TaskID] = {}
        self._eta: dict[str, EtaClock] = {}

    def __enter__(self) -> ProgressView:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def print(self, line: str) -> None:
        self._progress.console.print(line, markup=False, highlight=False)

    def handle(self, event: JobEvent) -> None:
        if isinstance(event, JobStarted):
            name = event.source.name
            name = name if len(name) <= 32 else name[:31] + "…"
            self._tasks[event.job_id] = self._progress.add_task(
                name, total=1.0, snippets=f"{event.done}/{event.total} snippets", eta=""
            )
            self._eta[event.job_id] = EtaClock()
        elif isinstance(event, JobProgress) and event.job_id in self._tasks:
            failed = f", {event.failed} failed" if event.failed else ""
            clock = self._eta.setdefault(event.job_id, EtaClock())
            clock.set(event.eta)
            left = clock.left()
            self._progress.update(
                self._tasks[event.job_id],
                completed=event.fraction,
                snippets=f"{event.done}/{event.total} snippets{failed}",
                eta=f"{format_clock(left)} left" if left is not None else "estimating…",
            )
        elif isinstance(event, UploadProgress) and event.job_id in self._tasks:
            share = event.sent / event.total if event.total else 1.0
            self._progress.update(self._tasks[event.job_id], snippets=f"uploading {share:.0%}")
        elif isinstance(event, JobFinished) and event.job_id in self._tasks:
            self._progress.remove_task(self._tasks.pop(event.job_id))
            self._eta.pop(event.job_id, None)
