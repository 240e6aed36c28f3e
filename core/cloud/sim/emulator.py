"""The emulator: the template's resources in moto, and a runner that invokes the handlers.

moto cannot run Lambda code without Docker, so every trigger of the template is routed to an
SQS queue instead: the uploads bucket's notification (S3 → queue, the exact S3 event) and
the EventBridge rule (bus → queue, the exact EventBridge envelope). A runner takes messages
from those queues, ``workers`` at a time, and invokes the function's real handler in a fresh
process with the function's environment from the template, its timeout and its retry count
(a failed invocation is retried, then moved to the template's on-failure queue).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from ...ffmpeg_locator import find_ffmpeg
from .server import MotoServer
from .template import ACCOUNT, REGION, FunctionSpec, StackModel, queue_name, read_stack

log = logging.getLogger(__name__)

CREDENTIALS = {"aws_access_key_id": "cloud-sim", "aws_secret_access_key": "cloud-sim"}
# EventBridge delivers these keys to Lambda; moto adds others (e.g. ingestion-time).
_ENVELOPE_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region",
                  "resources", "detail")  # fmt: skip


@dataclass
class Invocation:
    function: str
    event: Any
    ok: bool
    seconds: float
    output: str
    result: Any = None


@dataclass
class CloudSim:
    template: Path
    stack: str = "framefan-sim"
    port: int = 0
    workers: int = 2
    ffmpeg: str | None = None
    # Extra environment per function logical id (applied last), e.g. for fault injection.
    env_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    retry_delay: float = 1.0
    on_invocation: Callable[[Invocation], None] | None = None

    def __post_init__(self) -> None:
        self.invocations: list[Invocation] = []
        self.model: StackModel | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._threads: list[threading.Thread] = []
        self._slots = threading.Semaphore(max(1, self.workers))
        self._pool: ThreadPoolExecutor | None = None
        self._busy = 0
        self._queues: dict[str, str] = {}  # function logical id → queue URL
        self.folder = Path(tempfile.mkdtemp(prefix="framefan-sim-"))
        self.server = MotoServer(self.folder, self.port)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> CloudSim:
        try:
            self.server.start()
            self._create_stack()
            self._pool = ThreadPoolExecutor(max(1, self.workers), thread_name_prefix="lambda")
            for function in self._queues:
                thread = threading.Thread(
                    target=self._poll, args=(function,), name=f"poll-{function}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop polling, end running invocations, shut moto down, remove the work folder."""
        self._stop.set()
        with self._lock:
            procs = list(self._procs)
        for proc in procs:
            _kill_group(proc)
        for thread in self._threads:
            thread.join(15)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self.server.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> CloudSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        return self.server.endpoint

    def ready_line(self) -> str:
        return f"READY AWS_ENDPOINT_URL={self.endpoint} STACK={self.stack}"

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **CREDENTIALS)

    # -- resources --------------------------------------------------------------------------------

    def _create_stack(self) -> None:
        cloudformation = self.client("cloudformation")
        stack_id = cloudformation.create_stack(
            StackName=self.stack, TemplateBody=json.dumps(self._stack_body({}))
        )["StackId"]
        model = read_stack(self.template, self.stack, stack_id)
        self.model = model
        s3, sqs, events = self.client("s3"), self.client("sqs"), self.client("events")
        for bucket in model.buckets.values():
            s3.create_bucket(Bucket=bucket)
        for logical in model.queues:
            sqs.create_queue(QueueName=queue_name(self.stack, logical))
        notifications: dict[str, list[dict[str, Any]]] = {}
        for function in model.functions.values():
            url, arn = self._function_queue(sqs, function)
            self._queues[function.logical_id] = url
            for trigger in function.s3_triggers:
                notifications.setdefault(model.buckets[trigger.bucket], []).append(
                    {
                        "QueueArn": arn,
                        "Events": list(trigger.events),
                        "Filter": {
                            "Key": {"FilterRules": [{"Name": "prefix", "Value": trigger.prefix}]}
                        },
                    }
                )
            for rule in function.rule_triggers:
                bus = model.buses[rule.bus]
                with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
                    events.create_event_bus(Name=bus)
                events.put_rule(
                    Name=rule.name, EventBusName=bus, EventPattern=json.dumps(rule.pattern)
                )
                events.put_targets(
                    Rule=rule.name, EventBusName=bus, Targets=[{"Id": "runner", "Arn": arn}]
                )
        for bucket, configs in notifications.items():
            s3.put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configs}
            )
        for bus in model.buses.values():
            with contextlib.suppress(events.exceptions.ResourceAlreadyExistsException):
                events.create_event_bus(Name=bus)
        cloudformation.update_stack(
            StackName=self.stack, TemplateBody=json.dumps(self._stack_body(model.outputs))
        )

    def _stack_body(self, outputs: dict[str, str]) -> dict[str, Any]:
        # The stack only carries the outputs; its resources are created above, by API.
        return {
            "Resources": {
                "EmulatedMarker": {
                    "Type": "AWS::SSM::Parameter",
                    "Properties": {
                        "Name": f"/framefan/{self.stack}/emulated",
                        "Type": "String",
                        "Value": "cloud-sim",
                    },
                }
            },
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }

    def _function_queue(self, sqs: Any, function: FunctionSpec) -> tuple[str, str]:
        attributes = {"VisibilityTimeout": str(int(function.timeout) + 30)}
        if function.failure_queue:
            failed = sqs.get_queue_url(QueueName=queue_name(self.stack, function.failure_queue))
            failed_arn = sqs.get_queue_attributes(
                QueueUrl=failed["QueueUrl"], AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"]
            attributes["RedrivePolicy"] = json.dumps(
                {"deadLetterTargetArn": failed_arn, "maxReceiveCount": function.retries + 1}
            )
        name = queue_name(self.stack, function.logical_id + "-invocations")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"

    # -- delivering -------------------------------------------------------------------------------

    def deliver(self, function: str, event: Any) -> None:
        """Queue ``event`` for ``function`` as its trigger would (e.g. a redelivery)."""
        self.client("sqs").send_message(
            QueueUrl=self._queues[function], MessageBody=json.dumps(event)
        )

    def wait_idle(self, timeout: float = 60.0, settle: float = 1.0) -> None:
        """Wait until no message is queued or in flight and no invocation runs."""
        sqs = self.client("sqs")
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while time.monotonic() < deadline:
            pending = self._busy
            for url in self._queues.values():
                attrs = sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=[
                        "ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible",
                    ],
                )["Attributes"]
                pending += sum(int(v) for v in attrs.values())
            now = time.monotonic()
            if pending:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= settle:
                return
            time.sleep(0.1)
        raise TimeoutError(f"the emulator was still busy after {timeout:.0f} s")

    def _poll(self, function: str) -> None:
        sqs = self.client("sqs")
        url = self._queues[function]
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue
            try:
                messages = sqs.receive_message(
                    QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=0
                ).get("Messages", [])
            except Exception as exc:
                if not self._stop.is_set():
                    log.warning("polling %s: %s", function, exc)
                messages = []
            if not messages or self._pool is None:
                self._slots.release()
                self._stop.wait(0.1)
                continue
            with self._lock:
                self._busy += 1
            self._pool.submit(self._run, function, url, messages[0])

    def _run(self, function: str, url: str, message: dict[str, Any]) -> None:
        try:
            event = _without_moto_extras(json.loads(message["Body"]))
            sqs = self.client("sqs")
            if event is None:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                return
            invocation = self._invoke(function, event)
            if self._stop.is_set():
                return  # shutting down: the queue goes with the server
            if invocation.ok:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(
                    QueueUrl=url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=int(self.retry_delay),
                )
        except Exception:
            log.exception("running %s", function)
        finally:
            with self._lock:
                self._busy -= 1
            self._slots.release()

    def _invoke(self, function: str, event: Any) -> Invocation:
        assert self.model is not None
        spec = self.model.functions[function]
        began = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.cloud.sim.invoke", spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self._environment(spec),
            cwd=self._function_dir(spec),
            start_new_session=True,
        )
        with self._lock:
            self._procs.add(proc)
        try:
            out, _ = proc.communicate(json.dumps(event).encode("utf-8"), timeout=spec.timeout)
            output = out.decode("utf-8", "replace")
            ok = proc.returncode == 0
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            output = f"Task timed out after {spec.timeout:.0f} seconds"
            ok = False
        finally:
            with self._lock:
                self._procs.discard(proc)
        result = None
        if ok:
            with contextlib.suppress(ValueError, IndexError):
                result = json.loads(output.rstrip().splitlines()[-1])
        invocation = Invocation(function, event, ok, time.monotonic() - began, output, result)
        with self._lock:
            self.invocations.append(invocation)
        if self.on_invocation is not None:
            self.on_invocation(invocation)
        return invocation

    def function_tmp(self, function: str) -> Path:
        assert self.model is not None
        return self._function_dir(self.model.functions[function]) / "tmp"

    def _function_dir(self, spec: FunctionSpec) -> Path:
        folder = self.folder / spec.logical_id
        (folder / "tmp").mkdir(parents=True, exist_ok=True)
        return folder

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TMPDIR": str(self.function_tmp(spec.logical_id)),
            "AWS_ACCESS_KEY_ID": CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_NAME": f"{self.stack}-{spec.logical_id}",
            "FRAMEFAN_SIM_DEADLINE": str(time.time() + spec.timeout),
        }
        env.update(spec.environment)
        # What differs from AWS: ffmpeg is this machine's, and media is served by the
        # emulator over TLS with its own certificate.
        env["FRAMEFAN_FFMPEG"] = find_ffmpeg(self.ffmpeg)
        env["SSL_CERT_FILE"] = str(self.server.ca_file)
        env["FRAMEFAN_MEDIA_ENDPOINT_URL"] = self.server.tls_endpoint
        env.update(self.env_overrides.get(spec.logical_id, {}))
        return env


def _without_moto_extras(event: Any) -> Any:
    """The event as AWS would deliver it, or None when AWS would not deliver it at all.

    moto adds keys to EventBridge envelopes, and reports a completed multipart upload twice:
    as ``ObjectCreated:CompleteMultipartUpload`` and as an ``ObjectCreated:Put`` with the
    multipart ETag (``<md5>-<parts>``), which no real single PUT has.
    """
    if not isinstance(event, dict):
        return event
    if "detail-type" in event:
        return {key: event[key] for key in _ENVELOPE_KEYS if key in event}
    records = event.get("Records")
    if isinstance(records, list):
        kept = [
            r
            for r in records
            if not (
                r.get("eventName") == "ObjectCreated:Put"
                and "-" in str(r.get("s3", {}).get("object", {}).get("eTag", ""))
            )
        ]
        return {**event, "Records": kept} if kept else None
    return event


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)
