"""A bar across the top of the window for what the user should read or act on: what is
wrong, and buttons to fix it. Never a modal dialog.

A message stays until it is dismissed (✕, or a button that settles it) or replaced. One is
shown at a time: a new message replaces the one shown only if it matters at least as much;
otherwise it waits behind it and shows when that one goes. A message with a ``key`` replaces
an earlier one with the same key (a second drop's note replaces the first's).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import count

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

ERROR = "error"
INFO = "info"
_COLORS = {ERROR: ("#d64545", 38), INFO: ("#2f80ed", 30)}
# How much a message matters, by default: a problem that stops work before a note.
PRIORITY = {ERROR: 2, INFO: 1}

Action = tuple[str, Callable[[], None]]


@dataclass
class Message:
    text: str
    kind: str = ERROR
    actions: Sequence[Action] = ()
    key: str | None = None
    priority: int = 1
    order: int = field(default=0)  # newer messages have higher numbers


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.text = QLabel()
        self.text.setTextFormat(Qt.TextFormat.PlainText)  # file names are not markup
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons: list[QPushButton] = []
        self._messages: list[Message] = []
        self._counter = count()
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss message")
        close.setAccessibleDescription("Hide this message; the next waiting message shows")
        close.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        close.clicked.connect(self.dismiss)
        self.close_button = close
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(14, 8, 8, 8)
        self._layout.setSpacing(8)
        self._layout.addWidget(self.text, 1)
        self._layout.addWidget(close)
        self.kind = INFO
        self.setAccessibleName("Message")
        self.hide()

    def show_message(
        self,
        text: str,
        kind: str = ERROR,
        actions: Sequence[Action] = (),
        *,
        key: str | None = None,
        priority: int | None = None,
    ) -> None:
        """Show ``text`` now, or once the more important message shown is dismissed."""
        if key is not None:
            self._messages = [m for m in self._messages if m.key != key]
        message = Message(
            text,
            kind,
            list(actions),
            key,
            PRIORITY[kind] if priority is None else priority,
            next(self._counter),
        )
        self._messages.append(message)
        self._show_top()

    def dismiss(self, key: str | None = None) -> None:
        """Take away the message shown (or the messages with ``key``, shown or waiting)."""
        if key is not None:
            self._messages = [m for m in self._messages if m.key != key]
        elif self._messages:
            self._messages.remove(self.current())
        self._show_top()

    def current(self) -> Message | None:
        if not self._messages:
            return None
        return max(self._messages, key=lambda m: (m.priority, m.order))

    def waiting(self) -> int:
        """Messages waiting behind the one shown."""
        return max(0, len(self._messages) - 1)

    def button_texts(self) -> list[str]:
        return [b.text() for b in self._buttons]

    def click(self, label: str) -> None:
        next(b for b in self._buttons if b.text() == label).click()

    def _show_top(self) -> None:
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        message = self.current()
        if message is None:
            self.hide()
            return
        self.kind = message.kind
        self.text.setText(message.text)
        self.setAccessibleDescription(message.text)
        for label, callback in message.actions:
            button = QPushButton(label)
            button.setAccessibleDescription(message.text)
            button.clicked.connect(callback)
            self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        color, alpha = _COLORS[message.kind]
        tint = QColor(color)
        self.setStyleSheet(
            f"QFrame#messageBar {{ background: rgba({tint.red()}, {tint.green()}, {tint.blue()}, "
            f"{alpha / 100:.2f}); border-bottom: 1px solid {color}; }}"
        )
        self.show()
