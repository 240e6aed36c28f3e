"""A job's settings and run id as S3 object metadata of the uploaded video.

S3 returns user metadata keys in lower case, without the ``x-amz-meta-`` prefix; values are
strings. Keys are ``framefan-<setting-name>`` (hyphens, since some proxies drop headers with
underscores) and ``framefan-run``. A segment carries only ``framefan-plan`` (the ETag of the
plan it belongs to) and ``framefan-run``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import SettingsError
from ..settings import Settings
from .keys import DEFAULT_RUN, RUN_RE

PREFIX = "framefan-"
RUN_KEY = PREFIX + "run"
PLAN_KEY = PREFIX + "plan"


def to_metadata(settings: Settings, run: str) -> dict[str, str]:
    meta = {PREFIX + name.replace("_", "-"): value for name, value in settings.to_strings().items()}
    meta[RUN_KEY] = run
    return meta


def segment_metadata(plan_etag: str, run: str) -> dict[str, str]:
    return {PLAN_KEY: plan_etag, RUN_KEY: run}


def from_metadata(meta: Mapping[str, str]) -> tuple[Settings, str]:
    """The settings and run id in ``meta``; raises :class:`SettingsError` when they are
    invalid (unknown ``framefan-`` keys included). Other keys are not ours and are ignored."""
    values: dict[str, str] = {}
    run = DEFAULT_RUN
    for key, value in meta.items():
        key = key.lower()
        if key == RUN_KEY:
            if not RUN_RE.match(value):
                raise SettingsError(f"invalid run id in the upload's metadata: {value[:64]!r}")
            run = value
        elif key.startswith(PREFIX) and key != PLAN_KEY:
            values[key[len(PREFIX) :].replace("-", "_")] = value
    return Settings.from_dict(values), run
