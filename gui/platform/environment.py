"""The environment for the desktop's programs (core.platform.environment), as Qt takes it."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QProcessEnvironment

from core.platform.environment import current_for_system_programs


def system_programs_environment(
    environ: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], QProcessEnvironment]:
    """``environ`` (default: this process's, less what a bundle added), and the same for a
    QProcess."""
    env = dict(environ) if environ is not None else current_for_system_programs()
    qt = QProcessEnvironment()
    for name, value in env.items():
        qt.insert(name, value)
    return env, qt
