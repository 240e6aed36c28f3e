"""What can be done with one job of the queue, declared once. The row's buttons, the Queue
menu and the row's context menu all offer these, each only where it can help: no Retry for a
file that is not a video, no output folder before there is one."""

from __future__ import annotations

from dataclasses import dataclass

from core.manifest import CANCELLED, FAILED, PARTIAL, RUNNING

from .entry import BUSY, PAUSED, QUEUED, UNREADABLE, QueueEntry


@dataclass(frozen=True)
class RowAction:
    text: str  # in menus and tooltips
    icon: str | None
    button: bool = True  # also a button on the row (the others are in menus only)


ROW_ACTIONS: dict[str, RowAction] = {
    "pause": RowAction("Pause job", "pause"),
    "resume": RowAction("Resume job", "play"),
    "cancel": RowAction("Stop job", "cancel"),
    "retry": RowAction("Retry failed snippets", "retry"),
    "continue": RowAction("Continue job", "retry"),
    # An unreadable job: the damaged manifest is kept as manifest.json.bad.
    "restart": RowAction("Start over", "retry"),
    "rerender": RowAction("Re-render with current settings", None, button=False),
    "rerender_new": RowAction("Re-render in a new folder", None, button=False),
    # Contact sheet, sprites, markers, web page: the export dialog.
    "export": RowAction("Export…", None, button=False),
    "reveal": RowAction("Show output folder", "folder"),
    "remove": RowAction("Remove from queue", "remove"),
}


def row_actions(entry: QueueEntry, can_pause: bool, stale: bool = False) -> list[str]:
    """The actions that can help with ``entry`` in its state, in menu order. ``stale``: the
    job was made with settings other than the current ones."""
    status = entry.status
    if status == RUNNING:
        return [*(["pause"] if can_pause else []), "cancel", "remove"]
    if status == PAUSED:
        return ["resume", "cancel", "remove"]
    actions = []
    if status in (QUEUED, BUSY):
        actions.append("cancel")
    runnable = entry.input is not None and not entry.rejected
    if runnable and status == UNREADABLE:
        actions.append("restart")
    if runnable and status in (FAILED, PARTIAL):
        actions.append("retry")
    if runnable and status == CANCELLED:
        actions.append("continue")
    if runnable and stale and entry.finished:
        actions += ["rerender", "rerender_new"]
    if entry.job_dir is not None and entry.done > 0:
        actions.append("export")
    if entry.job_dir is not None:
        actions.append("reveal")
    return [*actions, "remove"]


def row_buttons(entry: QueueEntry, can_pause: bool) -> list[str]:
    """The row's buttons, left to right. A job at work has no Remove button beside Stop
    (one slip away from losing its place in the queue); the menus offer it."""
    return [
        a
        for a in row_actions(entry, can_pause)
        if ROW_ACTIONS[a].button and not (a == "remove" and entry.active)
    ]
