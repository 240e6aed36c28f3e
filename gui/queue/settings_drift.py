"""Jobs and changed settings: how a job's settings differ from the current ones, what a
change of settings does to each job of the queue (said in the status bar), and where a
re-render that keeps the earlier result goes."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import fields
from pathlib import Path

from core.layout import job_dir_for
from core.settings import FIELDS, Settings

from ..backends import backend
from ..preview.time_labels import TIME_DISPLAYS
from ..user_settings import UserSettings
from .entry import QUEUED, QueueEntry


def value_text(name: str, value: object) -> str:
    """A processing setting's value as the settings dialog shows it."""
    spec = FIELDS[name]
    if isinstance(value, bool):
        return "on" if value else "off"
    if value == 0 and spec.zero_means:
        return spec.zero_means
    number = f"{value:g}" if isinstance(value, float) else str(value)
    return f"{number} {spec.unit}".strip()


def differences(job: Settings, current: Settings) -> list[str]:
    """``["snippet length 30 s (now 10 s)", …]``: the settings of ``job`` that differ."""
    changed = []
    for field in fields(Settings):
        was, now = getattr(job, field.name), getattr(current, field.name)
        if was != now:
            label = _lower(FIELDS[field.name].label)
            changed.append(
                f"{label} {value_text(field.name, was)} (now {value_text(field.name, now)})"
            )
    return changed


def _lower(label: str) -> str:
    """``Snippet length`` → ``snippet length``; ``GIF width`` stays."""
    return label if label[:2].isupper() else label[:1].lower() + label[1:]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _sentence(n: int, noun: str, verb: str) -> str:
    """``n`` of ``noun`` and ``verb`` agreeing: {s} (verb ending), {it}/{its} (pronoun)."""
    one = n == 1
    words = {
        "s": "s" if one else "",
        "it": "it" if one else "they",
        "its": "its" if one else "their",
    }
    return f"{_count(n, noun)} {verb.format(**words)}"


def describe_change(old: UserSettings, new: UserSettings, entries: Iterable[QueueEntry]) -> str:
    """What saving ``new`` over ``old`` does to new jobs and to each job of the queue."""
    entries = list(entries)
    said: list[str] = []
    if new.processing != old.processing:
        changed = [d.split(" (now ")[0] for d in differences(new.processing, old.processing)]
        said.append(f"New jobs use {', '.join(changed)}.")
        said += _processing_effects(new.processing, entries)
    if new.output_folder != old.output_folder:
        said.append(
            f"Jobs that have not started are written to {new.output_folder}; "
            "jobs already started stay in their folders."
        )
    if new.backend != old.backend:
        waiting = sum(1 for e in entries if e.status == QUEUED and e.backend == old.backend)
        text = f"Videos added from now on run on {backend(new.backend).label}"
        if waiting:
            text += (
                f"; {_count(waiting, 'waiting job')} added before "
                f"still run on {backend(old.backend).label}"
            )
        said.append(text + ".")
    backend_values_changed = new.backend_values != old.backend_values
    if new.ffmpeg != old.ffmpeg or new.overview != old.overview or backend_values_changed:
        said.append("The other changes apply to jobs that start from now on.")
    if new.time_display != old.time_display:
        said.append(f"Times are shown as {TIME_DISPLAYS[new.time_display].lower()}.")
    if not said:
        return "Settings unchanged."
    return "Settings saved. " + " ".join(said)


def _processing_effects(current: Settings, entries: list[QueueEntry]) -> list[str]:
    running = sum(1 for e in entries if e.active)
    fresh = sum(1 for e in entries if e.status == QUEUED and (e.settings is None or e.rerender))
    resuming = sum(
        1
        for e in entries
        if e.status == QUEUED and not e.rerender and e.settings not in (None, current)
    )
    kept = sum(1 for e in entries if e.finished and e.settings not in (None, current))
    said = []
    if running:
        said.append(
            _sentence(running, "running job", "continue{s} with the settings {it} started with")
        )
    if fresh:
        said.append(_sentence(fresh, "waiting job", "will use the new settings"))
    if resuming:
        said.append(
            _sentence(
                resuming, "waiting job", "resume{s} {its} earlier work with {its} earlier settings"
            )
        )
    if kept:
        said.append(
            _sentence(
                kept,
                "finished job",
                "keep{s} {its} results, marked “Earlier settings” (Queue ▸ Re-render with "
                "current settings applies the new ones)",
            )
        )
    return [s[0].upper() + s[1:] + "." for s in said]


def fresh_job_dir(out_root: Path, source: str, taken: Collection[Path]) -> Path:
    """A job folder for ``source`` that neither exists nor is ``taken`` by another job of
    the queue: ``name-2``, ``name-3``, …"""
    variant = 2
    while True:
        candidate = job_dir_for(out_root, source, variant)
        if candidate not in taken and not candidate.exists():
            return candidate
        variant += 1
