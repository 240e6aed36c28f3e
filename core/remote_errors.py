"""Telling "the remote input is bad" from "the remote input could not be reached".

ffmpeg reports both as a failure to open or read; its log says which. A network or server
failure (refused or reset connections, TLS errors, 5xx and 403 answers, timeouts) is worth
another try, so the cloud functions raise it and Lambda retries; what the input holds is
not, so that becomes a final rejection.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Log fragments of a failed transfer, with the short reason users read.
_MARKS: tuple[tuple[str, str], ...] = (
    ("connection refused", "the connection was refused"),
    ("connection reset", "the connection was reset"),
    ("broken pipe", "the connection was reset"),
    ("connection timed out", "the connection timed out"),
    ("operation timed out", "the connection timed out"),
    ("network is unreachable", "the network is unreachable"),
    ("no route to host", "the network is unreachable"),
    ("temporary failure in name resolution", "the server's name could not be resolved"),
    ("failed to resolve hostname", "the server's name could not be resolved"),
    ("tls", "the secure connection failed"),
    ("ssl", "the secure connection failed"),
    ("error in the pull function", "the secure connection failed"),
    ("input/output error", "the transfer failed (I/O error)"),
    ("end of file", "the connection closed early"),
    ("http error 5", "the server failed"),
    ("server error", "the server failed"),
    ("403 forbidden", "access was refused (an expired link?)"),
)
_STATUS_RE = re.compile(r"server returned (5\d\d|403)", re.IGNORECASE)
_NOT_FOUND_RE = re.compile(r"server returned 404|404 not found", re.IGNORECASE)


def remote_failure(log: Iterable[str]) -> str | None:
    """Why reading a remote input failed for a reason other than its content, or None."""
    text = "\n".join(log).lower()
    status = _STATUS_RE.search(text)
    if status:
        code = status.group(1)
        return f"the server answered {code}" + (" (an expired link?)" if code == "403" else "")
    for mark, reason in _MARKS:
        if mark in text:
            return reason
    return None


def remote_missing(log: Iterable[str]) -> bool:
    """The server says the input does not exist (HTTP 404)."""
    return bool(_NOT_FOUND_RE.search("\n".join(log)))
