"""Changes to a job's marks as undoable commands. Each keeps the marks themselves (they are
immutable), never their positions: a list kept sorted moves them around."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoCommand

from core.marks import Mark, MarkSet

Changed = Callable[[Mark | None], None]  # told after each change, with the mark to select


def index_of(marks: MarkSet, mark: Mark) -> int:
    """Where ``mark`` is: the very object if it is there, else an equal one."""
    for i, m in enumerate(marks.marks):
        if m is mark:
            return i
    return marks.marks.index(mark)


def describe(mark: Mark) -> str:
    return f"“{mark.name}”" if mark.name else ("range" if mark.is_range else "marker")


class AddMark(QUndoCommand):
    """Add a mark; ``restore`` puts back what adding it changed (in and out), on undo."""

    def __init__(
        self,
        marks: MarkSet,
        mark: Mark,
        changed: Changed,
        restore: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(f"Add {describe(mark)}")
        self._marks, self._mark, self._changed, self._restore = marks, mark, changed, restore

    def redo(self) -> None:
        self._marks.add(self._mark)
        self._changed(self._mark)

    def undo(self) -> None:
        self._marks.delete(index_of(self._marks, self._mark))
        if self._restore is not None:
            self._restore()
        self._changed(None)


class EditMark(QUndoCommand):
    def __init__(self, marks: MarkSet, old: Mark, new: Mark, changed: Changed) -> None:
        super().__init__(f"Edit {describe(old)}")
        self._marks, self._old, self._new, self._changed = marks, old, new, changed

    def redo(self) -> None:
        self._marks.update(index_of(self._marks, self._old), self._new)
        self._changed(self._new)

    def undo(self) -> None:
        self._marks.update(index_of(self._marks, self._new), self._old)
        self._changed(self._old)


class DeleteMark(QUndoCommand):
    def __init__(self, marks: MarkSet, mark: Mark, changed: Changed) -> None:
        super().__init__(f"Delete {describe(mark)}")
        self._marks, self._mark, self._changed = marks, mark, changed

    def redo(self) -> None:
        self._marks.delete(index_of(self._marks, self._mark))
        self._changed(None)

    def undo(self) -> None:
        self._marks.add(self._mark)
        self._changed(self._mark)
