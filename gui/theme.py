"""Light and dark palettes (Fusion style), following the system's colour scheme."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

LIGHT = "light"
DARK = "dark"
SYSTEM = "system"

_ACCENT = "#2f80ed"

_COLORS = {
    LIGHT: {
        "Window": "#f3f4f6",
        "WindowText": "#1f2328",
        "Base": "#ffffff",
        "AlternateBase": "#eceef1",
        "Text": "#1f2328",
        "PlaceholderText": "#6a7078",
        "Button": "#f7f8fa",
        "ButtonText": "#1f2328",
        "Mid": "#c9cdd3",
        "Midlight": "#e3e6ea",
        "Dark": "#a0a6ae",
        "Light": "#ffffff",
        "Shadow": "#8a9099",
        "ToolTipBase": "#2b2f36",
        "ToolTipText": "#f1f3f5",
        "Highlight": _ACCENT,
        "HighlightedText": "#ffffff",
        "Link": "#1f6fd6",
    },
    DARK: {
        "Window": "#1f2125",
        "WindowText": "#e6e8eb",
        "Base": "#26292e",
        "AlternateBase": "#2d3036",
        "Text": "#e6e8eb",
        "PlaceholderText": "#9aa0a8",
        "Button": "#2c2f35",
        "ButtonText": "#e6e8eb",
        "Mid": "#4a4e56",
        "Midlight": "#3a3d44",
        "Dark": "#15171a",
        "Light": "#4f535b",
        "Shadow": "#0d0e10",
        "ToolTipBase": "#f1f3f5",
        "ToolTipText": "#1f2328",
        "Highlight": _ACCENT,
        "HighlightedText": "#ffffff",
        "Link": "#6aa7ff",
    },
}

_STYLE_SHEET = """
QLabel#previewTitle { font-size: 15pt; font-weight: 600; }
QLabel#previewClock { font-size: 12pt; font-family: monospace; }
QLabel#sectionTitle { color: palette(placeholder-text); font-size: 8pt; font-weight: 600;
    letter-spacing: 1px; }
QLabel#secondaryText { color: palette(placeholder-text); }
QLabel#errorText { color: #d64545; }
QLabel#shortcutKeys { background: palette(alternate-base); border: 1px solid palette(mid);
    border-radius: 4px; padding: 2px 8px; font-family: monospace; }
QLabel#queueTitle { font-size: 11pt; font-weight: 600; }
QToolBar { spacing: 4px; padding: 4px 6px; border: none; }
QToolButton { padding: 4px 8px; border-radius: 5px; border: 2px solid transparent; }
QToolButton:hover { background: palette(midlight); }
QToolButton:checked { background: palette(midlight); }
QToolButton:focus { border: 2px solid palette(highlight); }
QListView#marksList { border: 1px solid palette(mid); border-radius: 4px; }
QListView#marksList:focus { border: 2px solid palette(highlight); }
QSplitter::handle { background: palette(midlight); }
QStatusBar { color: palette(placeholder-text); }
"""


def system_scheme() -> str:
    hints = QGuiApplication.styleHints()
    return DARK if hints.colorScheme() == Qt.ColorScheme.Dark else LIGHT


def palette_for(scheme: str) -> QPalette:
    palette = QPalette()
    for role_name, value in _COLORS[scheme].items():
        role = getattr(QPalette.ColorRole, role_name)
        color = QColor(value)
        palette.setColor(QPalette.ColorGroup.All, role, color)
        disabled = QColor(color)
        disabled.setAlphaF(0.45)
        if role_name in ("WindowText", "Text", "ButtonText"):
            palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def apply_theme(app: QApplication, scheme: str = SYSTEM) -> str:
    """Style the app; with ``SYSTEM`` it also follows later changes of the system scheme.
    Returns the scheme applied."""
    app.setStyle("Fusion")
    chosen = system_scheme() if scheme == SYSTEM else scheme
    set_palette(app, palette_for(chosen))
    if scheme == SYSTEM and not app.property("framefanFollowsScheme"):
        app.setProperty("framefanFollowsScheme", True)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: set_palette(app, palette_for(system_scheme()))
        )
    return chosen


def set_palette(app: QApplication, palette: QPalette) -> None:
    """Give every widget ``palette``. The style sheet is set again after it: widgets it
    styles keep the colours of their last polish otherwise (dark text on a dark window
    after the system turns dark)."""
    app.setPalette(palette)
    app.setStyleSheet("")
    app.setStyleSheet(_STYLE_SHEET)
