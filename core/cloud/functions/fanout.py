"""Sending snippet events to EventBridge: batches of at most 10 (the PutEvents limit), and
re-sending only the entries that failed, with backoff, until ``attempts`` runs out."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import Any

from ...errors import FrameFanError

BATCH_SIZE = 10


class FanOutError(FrameFanError):
    """Some events could not be sent even after retrying."""


def put_all(
    events_client: Any,
    entries: Sequence[dict[str, str]],
    *,
    attempts: int = 5,
    base_delay: float = 0.2,
    max_delay: float = 5.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send every entry; returns how many PutEvents calls were made. Raises
    :class:`FanOutError` naming the error codes when entries still fail after ``attempts``."""
    calls = 0
    for first in range(0, len(entries), BATCH_SIZE):
        pending = list(entries[first : first + BATCH_SIZE])
        for attempt in range(attempts):
            response = events_client.put_events(Entries=pending)
            calls += 1
            if not response.get("FailedEntryCount"):
                break
            results = response.get("Entries") or []
            failed = [e for e, r in zip(pending, results, strict=False) if r.get("ErrorCode")]
            codes = sorted({str(r.get("ErrorCode")) for r in results if r.get("ErrorCode")})
            pending = failed or pending
            if attempt + 1 < attempts:
                delay = min(max_delay, base_delay * 2**attempt)
                sleep(delay * random.uniform(0.5, 1.0))  # jitter: spread concurrent senders
        else:
            raise FanOutError(
                f"{len(pending)} snippet event(s) could not be sent after {attempts} tries "
                f"({', '.join(codes) or 'unknown error'})"
            )
    return calls
