"""Where the app keeps its settings, state and logs.

Everything the app writes outside job folders goes through one :class:`AppDirs`, so tests
and the screenshot mode can point the whole app at a scratch folder and never touch the
real user's settings, queue or logs. Which folders those are on each system is decided in
core.platform.folders.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.platform.folders import APP_NAME, user_folders, videos_folder

__all__ = ["APP_NAME", "AppDirs", "default_output_folder"]


@dataclass(frozen=True)
class AppDirs:
    config: Path  # user settings and UI state (QSettings INI files)
    data: Path  # the persisted queue
    logs: Path
    cache: Path  # files that can be made again (copies handed to other programs)

    @classmethod
    def for_user(cls) -> AppDirs:
        folders = user_folders()
        return cls(
            config=Path(folders.config),
            data=Path(folders.data),
            logs=Path(folders.logs),
            cache=Path(folders.cache),
        )

    @classmethod
    def under(cls, root: Path) -> AppDirs:
        return cls(
            config=root / "config", data=root / "data", logs=root / "logs", cache=root / "cache"
        )

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.ini"

    @property
    def ui_state_file(self) -> Path:
        return self.config / "ui-state.ini"

    @property
    def queue_file(self) -> Path:
        return self.data / "queue.json"

    @property
    def handoff(self) -> Path:
        """Named copies of stills and GIFs dragged out or copied to the clipboard."""
        return self.cache / "handoff"


def default_output_folder() -> Path:
    return Path(videos_folder())
