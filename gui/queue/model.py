"""The queue as a Qt list model: one row per :class:`QueueEntry`, in queue order. It also
knows the current processing settings, to tell which jobs were made with other ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from core.settings import Settings

from .entry import QueueEntry
from .settings_drift import differences
from .texts import accessible_description, accessible_name

ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
ROW_MIME = "application/x-framefan-queue-rows"

_Index = QModelIndex | QPersistentModelIndex


class QueueModel(QAbstractListModel):
    # Something worth saving changed (entries, order, a status); progress alone is not.
    structureChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._entries: list[QueueEntry] = []
        self._current: Settings | None = None

    # -- settings -------------------------------------------------------------------------

    def set_current_settings(self, settings: Settings) -> None:
        """The settings new work takes; rows of jobs made otherwise say so."""
        if settings != self._current:
            self._current = settings
            if self._entries:
                self.dataChanged.emit(self.index(0), self.index(len(self._entries) - 1))

    def is_stale(self, entry: QueueEntry) -> bool:
        """``entry``'s work was made with settings other than the current ones."""
        return (
            entry.settings is not None
            and self._current is not None
            and entry.settings != self._current
        )

    # -- access ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[QueueEntry]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, entry_id: str) -> QueueEntry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def entry_at(self, row: int) -> QueueEntry:
        return self._entries[row]

    def row_of(self, entry_id: str) -> int:
        return next((i for i, e in enumerate(self._entries) if e.id == entry_id), -1)

    def index_of(self, entry_id: str) -> QModelIndex:
        row = self.row_of(entry_id)
        return self.index(row) if row >= 0 else QModelIndex()

    # -- changes --------------------------------------------------------------------------

    def add(self, entries: Iterable[QueueEntry]) -> None:
        new = list(entries)
        if not new:
            return
        first = len(self._entries)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._entries.extend(new)
        self.endInsertRows()
        self.structureChanged.emit()

    def remove(self, entry_id: str) -> None:
        row = self.row_of(entry_id)
        if row < 0:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._entries[row]
        self.endRemoveRows()
        self.structureChanged.emit()

    def move(self, source: int, target: int) -> bool:
        """Move the row at ``source`` so that it lands before the row now at ``target``
        (``target == len(self)`` moves it to the end)."""
        count = len(self._entries)
        if not (0 <= source < count and 0 <= target <= count) or target in (source, source + 1):
            return False
        self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), target)
        entry = self._entries.pop(source)
        self._entries.insert(target - 1 if target > source else target, entry)
        self.endMoveRows()
        self.structureChanged.emit()
        return True

    def touch(self, entry_id: str, *, structural: bool = False) -> None:
        """An entry changed: repaint its row (and save the queue if ``structural``)."""
        index = self.index_of(entry_id)
        if index.isValid():
            self.dataChanged.emit(index, index)
        if structural:
            self.structureChanged.emit()

    # -- Qt model interface ---------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.name
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [entry.input or entry.name, entry.error]
            if self.is_stale(entry) and entry.settings and self._current:
                changed = "; ".join(differences(entry.settings, self._current))
                lines.append(f"Made with earlier settings: {changed}")
            return "\n".join(filter(None, lines))
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return accessible_name(entry)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            return accessible_description(entry, self.is_stale(entry))
        if role == ENTRY_ROLE:
            return entry
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid():
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base | Qt.ItemFlag.ItemIsDropEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [ROW_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime.setData(ROW_MIME, QByteArray(",".join(map(str, rows)).encode()))
        return mime


def rows_from_mime(mime: QMimeData) -> list[int]:
    if not mime.hasFormat(ROW_MIME):
        return []
    text = bytes(mime.data(ROW_MIME).data()).decode()
    return [int(part) for part in text.split(",") if part.isdigit()]
