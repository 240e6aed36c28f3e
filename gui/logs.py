"""The app's log: a rotating file in the platform's log folder.

Unexpected exceptions end up there with their traceback; the user sees a one-line message
pointing at Help ▸ Open log folder instead.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_NAME = "framefan.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(folder: Path, level: int = logging.INFO) -> logging.Handler | None:
    """Send log records of the app to ``folder/framefan.log``; returns the handler (None
    when the folder cannot be written, in which case logging goes to stderr only)."""
    root = logging.getLogger()
    root.setLevel(level)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            folder / LOG_NAME, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8"
        )
    except OSError as exc:
        logging.basicConfig(level=level, format=_FORMAT)
        logging.getLogger(__name__).warning("cannot write the log in %s: %s", folder, exc)
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    return handler
