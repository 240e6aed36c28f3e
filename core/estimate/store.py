"""Small JSON files this machine keeps between runs (calibrations, the measured uplink).

They live in the user's cache folder (``FRAMEFAN_CACHE_DIR`` overrides it). They are only
hints: an unreadable or missing file means "not measured yet".
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs

from ..atomic import write_atomic

ENV_VAR = "FRAMEFAN_CACHE_DIR"


def cache_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("FrameFan", appauthor=False))


def read(name: str) -> dict[str, Any]:
    try:
        data = json.loads((cache_dir() / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(name: str, data: dict[str, Any]) -> None:
    try:
        path = cache_dir() / name
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
    except OSError:
        pass  # a hint not kept is measured again next time
