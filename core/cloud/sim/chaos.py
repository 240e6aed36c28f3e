"""Faults the emulator injects on purpose (``framefan cloud-sim --chaos SPEC``).

* ``crash-snippet=K``: every attempt of the first run's process invocation for snippet K
  (the snippet index, as in the manifest and the record names) is killed before it writes
  anything, as an out-of-memory kill would; later runs of that snippet succeed.
* ``probe-outage=N``: the first N connections the snippets function's ffmpeg opens to the
  media endpoint are reset at once.
* ``duplicate-events``: every S3 and EventBridge event is delivered twice.
* ``drop-event=K``: the first event for snippet K is never delivered (and goes nowhere).
* ``undeliverable-event=K``: the first event for snippet K goes to the rule's dead-letter
  queue, as when EventBridge gives up delivering it.

Specs repeat and combine. The state (which run came first, how much outage is left) lives
in the emulator, for its whole life.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

SPECS = ("crash-snippet=K", "probe-outage=N", "duplicate-events", "drop-event=K",
         "undeliverable-event=K")  # fmt: skip


class ChaosError(ValueError):
    """A chaos spec that cannot be read."""


@dataclass
class Chaos:
    crash_snippets: set[int] = field(default_factory=set)
    probe_outage: int = 0
    duplicate_events: bool = False
    drop_events: set[int] = field(default_factory=set)
    undeliverable_events: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._first_run: dict[tuple[str, int], str] = {}
        self._dropped: set[tuple[str, int, str]] = set()

    @classmethod
    def parse(cls, specs: list[str] | tuple[str, ...]) -> Chaos:
        chaos = cls()
        for spec in specs:
            name, _, value = spec.strip().partition("=")
            if name == "duplicate-events" and not value:
                chaos.duplicate_events = True
                continue
            targets = {
                "crash-snippet": chaos.crash_snippets,
                "drop-event": chaos.drop_events,
                "undeliverable-event": chaos.undeliverable_events,
            }
            try:
                number = int(value)
            except ValueError:
                number = -1
            if name == "probe-outage" and number >= 0:
                chaos.probe_outage += number
            elif name in targets and number >= 0:
                targets[name].add(number)
            else:
                raise ChaosError(
                    f"unknown chaos spec {spec!r}; expected one of: {', '.join(SPECS)}"
                )
        return chaos

    @property
    def active(self) -> bool:
        return bool(
            self.crash_snippets
            or self.probe_outage
            or self.duplicate_events
            or self.drop_events
            or self.undeliverable_events
        )

    def crashes(self, job: str, index: int, run: str) -> bool:
        """Whether this process invocation is to die (the first run of a chosen snippet)."""
        if index not in self.crash_snippets:
            return False
        with self._lock:
            first = self._first_run.setdefault((job, index), run)
        return first == run

    def _first_event(self, chosen: set[int], job: str, index: int, tag: str) -> bool:
        if index not in chosen:
            return False
        with self._lock:
            if (job, index, tag) in self._dropped:
                return False
            self._dropped.add((job, index, tag))
        return True

    def drops(self, job: str, index: int) -> bool:
        return self._first_event(self.drop_events, job, index, "drop")

    def undeliverable(self, job: str, index: int) -> bool:
        return self._first_event(self.undeliverable_events, job, index, "dead-letter")
