"""Durations as people read them."""

from __future__ import annotations

import math


def format_clock(seconds: float) -> str:
    """``75.4`` → ``1:15``; ``3725`` → ``1:02:05``; ``--:--`` for no number at all."""
    if not math.isfinite(seconds):
        return "--:--"
    whole = max(0, round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
