"""The uplink to AWS, as the cloud path last measured it while uploading a video."""

from __future__ import annotations

import time

from . import store

FILE = "network.json"
# Below this, an upload says more about request latency than about bandwidth.
MIN_MEASURED_BYTES = 4 * 1024 * 1024


def record_upload(sent_bytes: int, seconds: float, limit_mbps: float | None = None) -> float | None:
    """Keep the speed of an upload; returns it in Mbit/s (None when too small to tell, or
    when the upload went as fast as the user's ``limit_mbps`` let it: that is the limit,
    not the uplink)."""
    if sent_bytes < MIN_MEASURED_BYTES or seconds <= 0:
        return None
    mbps = sent_bytes * 8 / seconds / 1e6
    if limit_mbps and mbps >= 0.9 * limit_mbps:
        return None
    store.write(FILE, {"uplink_mbps": round(mbps, 2), "measured": time.time()})
    return mbps


def last_uplink() -> float | None:
    """The last measured uplink in Mbit/s, or None."""
    value = store.read(FILE).get("uplink_mbps")
    return float(value) if isinstance(value, int | float) and value > 0 else None
