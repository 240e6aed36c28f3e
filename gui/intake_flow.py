"""Adding to the queue from the window: videos and folders dropped, chosen or handed over
by another launch, earlier jobs opened, refused files tried again, and, for videos made with
earlier settings, the offer to re-render them. What was left out is said in the message
bar, where it stays until read; a plain "Added 2 videos" goes to the status bar."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from core.errors import FrameFanError
from core.input_safety import VIDEO_EXTENSIONS
from core.layout import MANIFEST_NAME
from core.manifest import DONE

from .intake import Earlier, Intake, Queued, new_entry, take_in
from .job_reader import OpenedJob, read_job
from .message_bar import INFO
from .queue.entry import QueueEntry
from .queue.settings_drift import differences

if TYPE_CHECKING:
    from .main_window import MainWindow

VIDEO_FILTER = "Videos ({});;All files (*)".format(
    " ".join(f"*{e}" for e in sorted(VIDEO_EXTENSIONS))
)


class IntakeFlow:
    def __init__(self, window: MainWindow) -> None:
        self._window = window

    # -- adding ---------------------------------------------------------------------------

    def add_paths(self, paths: Iterable[Path]) -> asyncio.Task[Intake]:
        return self._window.spawn(self._add_paths(list(paths)))

    async def _add_paths(self, paths: list[Path]) -> Intake:
        window = self._window
        model = window.model
        queued = [q for e in model if (q := Queued.of(e)) is not None]
        current = window.settings
        intake: Intake = await window.in_io(
            take_in, paths, queued, current.output_folder, current.processing
        )
        entries = [new_entry(path, current.backend) for path in intake.new]
        model.add(entries)
        for earlier in intake.earlier:
            if earlier.entry is not None:  # a job of an earlier session, shown as it is
                model.add([earlier.entry])
                earlier.entry_id = earlier.entry.id
                window.posters.update(earlier.entry)
        for entry_id in intake.again:
            window.scheduler.retry(entry_id)
        opened = [await self._open_job(manifest) for manifest in intake.jobs]
        window.last_intake = intake
        summary = intake.summary()
        if intake.left_out:
            window.message_bar.show_message(summary, INFO, key="intake")
        elif summary:
            window.statusBar().showMessage(summary, 12000)
        if intake.earlier:
            self._offer_rerender(intake.earlier)
        first = next((e for e in [*entries, *opened] if e is not None), None)
        if first is not None and window.selected() is None:
            window.select(first.id)
        window.scheduler.pump()
        return intake

    def _offer_rerender(self, earlier: list[Earlier]) -> None:
        window = self._window
        ids = [e.entry_id for e in earlier if e.entry_id is not None]
        if len(earlier) == 1 and earlier[0].settings is not None:
            changed = "; ".join(differences(earlier[0].settings, window.settings.processing))
            text = (
                f"{earlier[0].path.name} was made with earlier settings ({changed}). "
                "Re-render it with the current settings?"
            )
        else:
            names = ", ".join(e.path.name for e in earlier[:3]) + ("…" if len(earlier) > 3 else "")
            text = (
                f"{len(earlier)} videos were made with earlier settings ({names}). "
                "Re-render them with the current settings?"
            )
        window.message_bar.show_message(
            text,
            INFO,
            [
                ("Re-render in a new folder", lambda: self._rerender(ids, "rerender_new")),
                ("Re-render in place", lambda: self._rerender(ids, "rerender")),
                ("Keep earlier results", lambda: window.message_bar.dismiss("earlier")),
            ],
            key="earlier",
            priority=2,
        )

    def _rerender(self, ids: list[str], how: str) -> None:
        self._window.message_bar.dismiss("earlier")
        for entry_id in ids:
            self._window.run_row_action(entry_id, how)

    def choose_videos(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self._window, "Add videos", str(Path.home()), VIDEO_FILTER
        )
        if names:
            self.add_paths(Path(n) for n in names)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self._window, "Add a folder of videos", str(Path.home())
        )
        if folder:
            self.add_paths([Path(folder)])

    # -- opening earlier jobs -------------------------------------------------------------

    def choose_job(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self._window,
            "Open job",
            str(self._window.settings.output_folder),
            "FrameFan job (manifest.json)",
        )
        if name:
            self.open_job(Path(name))

    def open_job(self, manifest_path: Path) -> asyncio.Task[QueueEntry | None]:
        return self._window.spawn(self._open_job(manifest_path))

    async def _open_job(self, path: Path) -> QueueEntry | None:
        window = self._window
        try:
            job: OpenedJob = await window.in_io(read_job, path)
        except FrameFanError as exc:
            window.message_bar.show_message(f"Cannot open the job: {exc}", key="open")
            return None
        job_dir = job.job_dir
        entry = next((e for e in window.model if e.job_dir == job_dir), None)
        if entry is None:
            entry = job.entry()
            window.model.add([entry])
            window.posters.update(entry)
            if job.moved and entry.status != DONE:
                window.statusBar().showMessage(
                    f"{job.moved} is no longer there: this job can be viewed, not run again.",
                    12000,
                )
        window.ui_state.add_recent_job(job_dir / MANIFEST_NAME)
        window.select(entry.id)
        return entry

    def fill_recent_menu(self) -> None:
        menu = self._window.commands.recent_menu
        menu.clear()
        recent = self._window.ui_state.recent_jobs()
        for path in recent:
            menu.addAction(path.parent.name, lambda p=path: self.open_job(p))
        if not recent:
            menu.addAction("No recent jobs").setEnabled(False)
