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


def format_elapsed(seconds: float) -> str:
    """A time from the start of a video to the hundredth: ``89.48`` → ``0:01:29.48``."""
    whole = math.floor(seconds + 1e-6)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    hundredths = min(99, round((seconds - whole) * 100))
    return f"{hours}:{minutes:02d}:{secs:02d}.{hundredths:02d}"
