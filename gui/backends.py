"""Where a job runs is a choice among backends that all look the same to the window.

A backend makes a runner with ``await runner.run_job(source, job_dir, control=...)`` that
reports :mod:`core.events` through ``on_event`` and writes the standard job folder and
manifest. The window never asks which backend it is talking to; it only reads what is
declared here: its capabilities (can a job be paused, how many jobs run at once), its own
settings (the settings dialog and store are built from them) and, optionally, a connection
test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from core.errors import FrameFanError
from core.events import EventCallback
from core.limits import Limits
from core.manifest import Manifest
from core.preflight import Problem, check_ffmpeg
from core.runner import JobControl, LocalRunner, default_workers
from core.settings import Settings

# Problem kind of a backend that cannot reach its service (credentials, stack, network).
CONNECTION = "connection"

FieldValue = str | int | bool


class JobRunner(Protocol):
    async def run_job(
        self, source: str | os.PathLike[str], job_dir: Path, *, control: JobControl | None = None
    ) -> Manifest: ...


class ConnectionReport(Protocol):
    """What a connection test returns (``core.cloud.stack.ConnectionCheck`` for AWS)."""

    @property
    def ok(self) -> bool: ...

    @property
    def steps(self) -> list[Any]: ...  # each with name, ok and message


@dataclass(frozen=True)
class BackendField:
    """One setting of a backend, declared once: its type is that of ``default``; the
    settings dialog builds its editor from it and the settings store persists it."""

    name: str
    label: str
    help: str
    default: FieldValue
    minimum: int | None = None
    maximum: int | None = None
    placeholder: str = ""
    required: bool = False  # must be filled in before this backend can run a job
    suggestions: Callable[[], list[str]] | None = None  # values offered (text stays free)
    choices: tuple[tuple[str, str], ...] = ()  # the only values allowed, with their labels
    zero_means: str = ""  # what 0 stands for in a number (shown instead of 0)

    def coerce(self, raw: object) -> FieldValue:
        """``raw`` (a stored string, or a value) as this field's type; raises ValueError."""
        if isinstance(self.default, bool):
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in ("true", "false"):
                raise ValueError(f"{self.label}: not true or false")
            return text == "true"
        if isinstance(self.default, int):
            value = int(str(raw).strip())
            if self.minimum is not None and value < self.minimum:
                raise ValueError(f"{self.label} must be at least {self.minimum}")
            if self.maximum is not None and value > self.maximum:
                raise ValueError(f"{self.label} must be at most {self.maximum}")
            return value
        text = str(raw).strip()
        if self.choices and text not in {value for value, _ in self.choices}:
            raise ValueError(f"{self.label}: not one of {', '.join(v for v, _ in self.choices)}")
        return text


@dataclass(frozen=True)
class RunnerOptions:
    settings: Settings
    ffmpeg: str | None
    on_event: EventCallback
    values: Mapping[str, Any]  # the backend's own settings, by field name
    limits: Limits = field(default_factory=Limits)
    overview: bool = True  # start each job with its overview pass (core.overview)


@dataclass(frozen=True)
class Backend:
    key: str  # stored in settings and manifests
    label: str
    can_pause: bool
    concurrent_jobs: int  # jobs of the queue running at once
    make_runner: Callable[[RunnerOptions], JobRunner]
    # Problems that stop every job of this backend (checked before each job starts, in a
    # worker thread: it may block on the network).
    check: Callable[[RunnerOptions], list[Problem]]
    fields: tuple[BackendField, ...] = ()
    # Checks that the given settings can reach the service (blocking; run in a thread).
    test_connection: Callable[[Mapping[str, Any]], ConnectionReport] | None = None
    short_label: str = ""  # for the queue's rows, where room is short (default: label)
    # The backends whose settings it runs with (default: its own).
    uses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.short_label:
            object.__setattr__(self, "short_label", self.label)

    def field(self, name: str) -> BackendField:
        return next(f for f in self.fields if f.name == name)

    def defaults(self) -> dict[str, FieldValue]:
        return {f.name: f.default for f in self.fields}

    def missing(self, values: Mapping[str, Any]) -> BackendField | None:
        """The first required field left empty in ``values``."""
        return next((f for f in self.fields if f.required and not values.get(f.name)), None)

    def values(self, values_of: Callable[[str], Mapping[str, Any]]) -> dict[str, Any]:
        """The settings it runs with, from each backend's (``values_of(key)``)."""
        merged: dict[str, Any] = {}
        for key in self.uses or (self.key,):
            merged.update(values_of(key))
        return merged


# -- this computer ------------------------------------------------------------------------


def _local_runner(options: RunnerOptions) -> JobRunner:
    return LocalRunner(
        options.settings,
        workers=int(options.values["workers"]),
        ffmpeg=options.ffmpeg,
        on_event=options.on_event,
        limits=options.limits,
        overview=options.overview,
    )


def _local_check(options: RunnerOptions) -> list[Problem]:
    problem = check_ffmpeg(options.ffmpeg)
    return [problem] if problem else []


LOCAL = Backend(
    key="local",
    label="Local",
    can_pause=True,
    # One job at a time: its snippets already keep every worker busy, and the queue order
    # is the order the user sees.
    concurrent_jobs=1,
    make_runner=_local_runner,
    check=_local_check,
    fields=(
        BackendField(
            "workers",
            "Parallel snippets",
            "Snippets rendered at the same time on this computer.",
            default_workers(),
            minimum=1,
            maximum=64,
        ),
    ),
)


# -- AWS Lambda ---------------------------------------------------------------------------
# The cloud modules (and boto3) are imported when first used, so the window opens as fast
# without them.


def _cloud_target(values: Mapping[str, Any]):
    from core.cloud.stack import CloudTarget

    return CloudTarget(
        str(values.get("stack") or ""),
        str(values.get("profile") or "") or None,
        str(values.get("region") or "") or None,
    )


def _upload_options(values: Mapping[str, Any]) -> dict[str, Any]:
    limit = int(values.get("upload_limit_mbps") or 0)
    return {"upload": str(values.get("upload") or "auto"), "upload_limit_mbps": limit or None}


def _lambda_runner(options: RunnerOptions) -> JobRunner:
    from core.cloud.runner import LambdaRunner

    return LambdaRunner(
        options.settings,
        _cloud_target(options.values),
        ffmpeg=options.ffmpeg,
        on_event=options.on_event,
        overview=options.overview,
        limits=options.limits,
        **_upload_options(options.values),
    )


def _lambda_check(options: RunnerOptions) -> list[Problem]:
    # The video is probed here before it is sent: ffmpeg is needed as for local jobs.
    problem = check_ffmpeg(options.ffmpeg)
    if problem is not None:
        return [problem]
    from core.cloud.stack import connect

    try:
        connect(_cloud_target(options.values))  # credentials, stack and its outputs
    except FrameFanError as exc:
        return [Problem(CONNECTION, f"AWS: {exc}")]
    return []


def _lambda_test(values: Mapping[str, Any]) -> ConnectionReport:
    from core.cloud.stack import check_connection

    return check_connection(_cloud_target(values))


def _aws_profiles() -> list[str]:
    from core.cloud.aws import profile_names

    return profile_names()


LAMBDA = Backend(
    key="lambda",
    label="AWS Lambda",
    short_label="AWS",
    can_pause=False,  # snippets render in the cloud; they can be stopped, not held
    # Two jobs at once: one can upload while the other's snippets render in the cloud and
    # download, which keeps both the network and the cloud busy. More would only split the
    # upload bandwidth and delay every job's first results.
    concurrent_jobs=2,
    make_runner=_lambda_runner,
    check=_lambda_check,
    fields=(
        BackendField(
            "stack",
            "Stack name",
            "The name the FrameFan stack was deployed with (sam deploy).",
            "framefan",
            required=True,
        ),
        BackendField(
            "profile",
            "AWS profile",
            "A profile of your AWS configuration. Leave empty for the default credentials "
            "(environment variables, the default profile or single sign-on).",
            "",
            placeholder="default credentials",
            suggestions=_aws_profiles,
        ),
        BackendField(
            "region",
            "Region",
            "The region the stack was deployed to. Leave empty to use the profile's region.",
            "",
            placeholder="the profile's region",
        ),
        BackendField(
            "upload",
            "Send videos",
            "As segments: each snippet is cut without re-encoding and rendered as soon as it "
            "is uploaded, so the first previews arrive within seconds. As whole files: "
            "rendering starts once the whole video is uploaded. Automatic sends segments when "
            "the video can be cut cleanly.",
            "auto",
            choices=(
                ("auto", "Automatically"),
                ("segments", "As segments"),
                ("whole", "As whole files"),
            ),
        ),
        BackendField(
            "upload_limit_mbps",
            "Upload limit",
            "Send at most this many Mbit/s, to leave room for others on a shared connection. "
            "The time estimate takes it into account.",
            0,
            minimum=0,
            maximum=100_000,
            zero_means="No limit",
        ),
    ),
    test_connection=_lambda_test,
)

# -- both at once -------------------------------------------------------------------------
# This computer from the end of the video, AWS from the start: chosen by AUTO for a job,
# with the settings of both (not offered as a choice of its own).


def _hybrid_runner(options: RunnerOptions) -> JobRunner:
    from core.cloud.hybrid import HybridRunner

    return HybridRunner(
        options.settings,
        _cloud_target(options.values),
        workers=int(options.values["workers"]),
        ffmpeg=options.ffmpeg,
        on_event=options.on_event,
        limits=options.limits,
        overview=options.overview,
        **_upload_options(options.values),
    )


HYBRID = Backend(
    key="hybrid",
    label="This computer and AWS",
    short_label="Both",
    can_pause=False,
    concurrent_jobs=1,
    make_runner=_hybrid_runner,
    # The job runs here when AWS cannot be reached, so only what this computer needs.
    check=_local_check,
    uses=("local", "lambda"),
)

# -- whichever is faster ------------------------------------------------------------------
# Each job is given to LOCAL, LAMBDA or HYBRID when it starts (gui.auto_backend), with their
# settings.


def _auto_runner(options: RunnerOptions) -> JobRunner:
    raise RuntimeError("the automatic backend hands each job to another backend")


AUTO = Backend(
    key="auto",
    label="Automatic (the fastest)",
    short_label="Auto",
    can_pause=False,
    concurrent_jobs=1,  # the choice is made one job at a time
    make_runner=_auto_runner,
    check=_local_check,
    uses=("local", "lambda"),
)
# Backends whose settings AUTO uses (shown with it in the settings dialog).
AUTO_USES = AUTO.uses

# The choices of the settings dialog; HYBRID is chosen per job, by AUTO.
BACKENDS: dict[str, Backend] = {b.key: b for b in (LOCAL, LAMBDA, AUTO)}
DEFAULT_BACKEND = LOCAL.key


def backend(key: str) -> Backend:
    """The backend registered as ``key`` (the local one for an unknown key)."""
    return {**BACKENDS, HYBRID.key: HYBRID}.get(key, LOCAL)
