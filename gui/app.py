"""Entry point of the desktop app."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


def main() -> int:
    app = QApplication(sys.argv)
    window = QMainWindow()
    window.setWindowTitle("FrameFan")
    window.setCentralWidget(QLabel("Drop videos here"))
    window.resize(900, 600)
    window.show()
    return app.exec()
