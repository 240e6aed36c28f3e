"""Finding a deployed FrameFan stack and checking that it can be used.

The stack's outputs name its buckets and event bus (``infra/template.yaml``); the desktop
needs nothing else. :func:`check_connection` is what a "Test connection" action runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import botocore.exceptions

from .aws import CloudError, explain, make_client, make_session
from .keys import RESULTS_PREFIX, UPLOADS_PREFIX

OUTPUT_UPLOADS = "UploadsBucketName"
OUTPUT_RESULTS = "ResultsBucketName"
OUTPUT_BUS = "EventBusName"
OUTPUT_POLICY = "EditorPolicyArn"
OUTPUT_LIMITS = "JobLimits"
OUTPUT_SOURCES = "SourceBucketNames"
REQUIRED_OUTPUTS = (OUTPUT_UPLOADS, OUTPUT_RESULTS, OUTPUT_BUS)


# Request bodies are read once, as they are sent: Content-MD5 (which FrameFan computes for
# every part and S3 checks) stands for the SDK's own checksum, and HTTPS for payload
# signing. So an upload rate limit paces what is actually sent (see throttle.py).
UPLOAD_CONFIG: dict[str, object] = {
    "request_checksum_calculation": "when_required",
    "s3": {"payload_signing_enabled": False},
}


@dataclass(frozen=True)
class CloudTarget:
    """Which deployment to use: stack name, plus optional profile and region."""

    stack: str
    profile: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class StackResources:
    uploads_bucket: str
    results_bucket: str
    event_bus: str
    editor_policy: str | None = None
    job_limits: str | None = None  # "Name=value;…": limits and render capacity
    source_buckets: tuple[str, ...] = ()  # buckets whose videos the functions may read

    def setting(self, name: str) -> float | None:
        """A value of the ``JobLimits`` output (``ProcessMemoryMB``, …), if the stack has it."""
        for item in (self.job_limits or "").split(";"):
            key, _, value = item.partition("=")
            if key.strip() == name:
                try:
                    return float(value)
                except ValueError:
                    return None
        return None


@dataclass
class CloudSession:
    """Clients for one target and the resources of its stack."""

    target: CloudTarget
    s3: Any
    resources: StackResources


def describe_stack(cloudformation: Any, target: CloudTarget) -> StackResources:
    region = cloudformation.meta.region_name
    try:
        stacks = cloudformation.describe_stacks(StackName=target.stack)["Stacks"]
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", ""):
            raise CloudError(
                f"stack {target.stack!r} not found in region {region}: deploy it "
                "('sam build && sam deploy --guided' in infra/), or check the stack name "
                "and region"
            ) from None
        raise explain(exc, f"reading stack {target.stack!r}", target.profile) from None
    except Exception as exc:
        raise explain(exc, f"reading stack {target.stack!r}", target.profile) from None
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs") or []}
    missing = [name for name in REQUIRED_OUTPUTS if not outputs.get(name)]
    if missing:
        raise CloudError(
            f"stack {target.stack!r} has no output {', '.join(missing)}: it is not a FrameFan "
            "stack, or an old one; deploy infra/template.yaml again"
        )
    return StackResources(
        uploads_bucket=outputs[OUTPUT_UPLOADS],
        results_bucket=outputs[OUTPUT_RESULTS],
        event_bus=outputs[OUTPUT_BUS],
        editor_policy=outputs.get(OUTPUT_POLICY),
        job_limits=outputs.get(OUTPUT_LIMITS),
        source_buckets=tuple(b for b in (outputs.get(OUTPUT_SOURCES) or "").split(",") if b),
    )


def connect(target: CloudTarget) -> CloudSession:
    """Open a session for ``target`` and read its stack's outputs (blocking)."""
    if not target.stack:
        raise CloudError("no stack name given: enter the name the stack was deployed with")
    session = make_session(target.profile, target.region)
    cloudformation = make_client(session, "cloudformation")
    resources = describe_stack(cloudformation, target)
    return CloudSession(target, make_client(session, "s3", **UPLOAD_CONFIG), resources)


@dataclass(frozen=True)
class CheckStep:
    name: str
    ok: bool
    message: str


@dataclass
class ConnectionCheck:
    """The outcome of :func:`check_connection`: every step, the first failure stops it."""

    steps: list[CheckStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def summary(self) -> str:
        failed = next((s for s in self.steps if not s.ok), None)
        if failed is not None:
            return failed.message
        return "connected: " + "; ".join(s.message for s in self.steps)


def check_connection(target: CloudTarget) -> ConnectionCheck:
    """Check credentials, the stack's outputs and the editor permissions (blocking).

    The write check creates a multipart upload and aborts it at once: it needs the same
    permission as an upload but creates no object, so it starts no processing.
    """
    report = ConnectionCheck()

    def step(name: str, action: Any) -> Any:
        try:
            result = action()
        except CloudError as exc:
            report.steps.append(CheckStep(name, False, str(exc)))
            return None
        except Exception as exc:
            report.steps.append(CheckStep(name, False, str(explain(exc, name, target.profile))))
            return None
        report.steps.append(CheckStep(name, True, result[0]))
        return result[1]

    session = step("credentials", lambda: _whoami(target))
    if session is None:
        return report
    resources = step("stack", lambda: _stack(session, target))
    if resources is None:
        return report
    s3 = make_client(session, "s3")
    if step("read results", lambda: _can_list(s3, resources)) is None:
        return report
    step("upload", lambda: _can_upload(s3, resources))
    return report


def _whoami(target: CloudTarget) -> tuple[str, Any]:
    session = make_session(target.profile, target.region)
    identity = make_client(session, "sts").get_caller_identity()
    return f"signed in as {identity.get('Arn', 'unknown')}", session


def _stack(session: Any, target: CloudTarget) -> tuple[str, StackResources]:
    resources = describe_stack(make_client(session, "cloudformation"), target)
    return f"stack {target.stack!r} found in {session.region_name}", resources


def _can_list(s3: Any, resources: StackResources) -> tuple[str, bool]:
    s3.list_objects_v2(Bucket=resources.results_bucket, Prefix=RESULTS_PREFIX, MaxKeys=1)
    return "results readable", True


def _can_upload(s3: Any, resources: StackResources) -> tuple[str, bool]:
    key = f"{UPLOADS_PREFIX}connection-check-{uuid.uuid4().hex[:12]}/check.mp4"
    upload = s3.create_multipart_upload(Bucket=resources.uploads_bucket, Key=key)
    s3.abort_multipart_upload(Bucket=resources.uploads_bucket, Key=key, UploadId=upload["UploadId"])
    return "uploads allowed", True
