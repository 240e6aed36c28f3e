"""A bar across the top of the window for problems the user can act on: what is wrong, and
buttons to fix it. Never a modal dialog; one message at a time."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

ERROR = "error"
INFO = "info"
_COLORS = {ERROR: ("#d64545", 38), INFO: ("#2f80ed", 30)}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._buttons: list[QPushButton] = []
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(14, 8, 8, 8)
        self._layout.setSpacing(8)
        self._layout.addWidget(self.text, 1)
        self._layout.addWidget(close)
        self.kind = INFO
        self.hide()

    def show_message(
        self, text: str, kind: str = ERROR, actions: list[tuple[str, Callable[[], None]]] = ()
    ) -> None:
        for button in self._buttons:
            self._layout.removeWidget(button)
            button.deleteLater()
        self._buttons = []
        self.kind = kind
        self.text.setText(text)
        for label, callback in actions:
            button = QPushButton(label)
            button.clicked.connect(callback)
            self._layout.insertWidget(self._layout.count() - 1, button)
            self._buttons.append(button)
        color, alpha = _COLORS[kind]
        tint = QColor(color)
        self.setStyleSheet(
            f"QFrame#messageBar {{ background: rgba({tint.red()}, {tint.green()}, {tint.blue()}, "
            f"{alpha / 100:.2f}); border-bottom: 1px solid {color}; }}"
        )
        self.show()

    def button_texts(self) -> list[str]:
        return [b.text() for b in self._buttons]

    def click(self, label: str) -> None:
        next(b for b in self._buttons if b.text() == label).click()
