"""The emulator: the template's resources in moto, and a runner that invokes the handlers.

moto cannot run Lambda code without Docker, so every trigger of the template is routed to an
SQS queue instead: the uploads bucket's notification (S3 → queue, the exact S3 event) and
the EventBridge rule (bus → queue, the exact EventBridge envelope); a function fed by an SQS
queue (the on-failure handler) reads that queue as Lambda's event source mapping does. A
runner takes messages from those queues, ``workers`` at a time, and invokes the function's
real handler in a fresh process with the function's environment from the template and
nothing else (``/opt`` is the emulator's layer folder, whose ``bin/ffmpeg`` is this
machine's), killed at the template's ``Timeout``. A failed asynchronous invocation is
retried ``MaximumRetryAttempts`` times, then sent to the on-failure destination as Lambda's
destination record, as on AWS. :mod:`.chaos` breaks things on purpose.
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
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import psutil

from ...ffmpeg_locator import find_ffmpeg
from ...paths import bundle_dir
from .chaos import Chaos
from .outage import OutageRelay
from .server import MotoServer
from .template import (
    ACCOUNT,
    REGION,
    FunctionSpec,
    QueueTrigger,
    StackModel,
    queue_name,
    read_stack,
)

log = logging.getLogger(__name__)

CREDENTIALS = {"aws_access_key_id": "cloud-sim", "aws_secret_access_key": "cloud-sim"}
# EventBridge delivers these keys to Lambda; moto adds others (e.g. ingestion-time).
_ENVELOPE_KEYS = ("version", "id", "detail-type", "source", "account", "time", "region",
                  "resources", "detail")  # fmt: skip
_COPY = "framefan-sim-copy"  # message attribute of a duplicate made by the chaos options
LAYER_DIR = "opt"


@dataclass
class Invocation:
    function: str
    event: Any
    ok: bool
    seconds: float
    output: str
    result: Any = None
    error: dict[str, Any] | None = None  # Lambda's error payload when not ok
    attempt: int = 1
    started: float = 0.0  # time.monotonic() when it began


@dataclass(frozen=True)
class _Source:
    """A queue a function is fed from: its invocation queue, or an SQS event source."""

    function: str
    url: str
    trigger: QueueTrigger | None = None  # None: asynchronous invocations


@dataclass
class CloudSim:
    template: Path
    stack: str = "framefan-sim"
    port: int = 0
    workers: int = 2
    ffmpeg: str | None = None
    # Extra environment per function logical id (applied last), e.g. for fault injection.
    env_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    # Seconds before Lambda's first retry of a failed invocation (AWS waits a minute); the
    # second waits twice as long.
    retry_delay: float = 1.0
    on_invocation: Callable[[Invocation], None] | None = None
    chaos: Chaos = field(default_factory=Chaos)
    parameters: dict[str, Any] = field(default_factory=dict)  # template parameter values
    # Timeout per function logical id instead of the template's (tests use short ones).
    timeout_overrides: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.invocations: list[Invocation] = []
        self.dropped: list[Any] = []  # events the chaos options never delivered
        self.model: StackModel | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._procs: set[subprocess.Popen[bytes]] = set()
        self._threads: list[threading.Thread] = []
        self._slots = threading.Semaphore(max(1, self.workers))
        self._pool: ThreadPoolExecutor | None = None
        self._busy = 0
        self._sources: list[_Source] = []
        self._queues: dict[str, str] = {}  # function logical id → its invocation queue URL
        self._queue_urls: dict[str, str] = {}  # template queue logical id → URL
        self._relay: OutageRelay | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="framefan-sim-"))
        self.server = MotoServer(self.folder, self.port)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> CloudSim:
        try:
            self.server.start()
            self._make_layer()
            self.set_chaos(self.chaos)
            self._create_stack()
            self._pool = ThreadPoolExecutor(max(1, self.workers), thread_name_prefix="lambda")
            for source in self._sources:
                thread = threading.Thread(
                    target=self._poll, args=(source,), name=f"poll-{source.function}", daemon=True
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
        if self._relay is not None:
            self._relay.stop()
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

    def set_chaos(self, chaos: Chaos) -> None:
        """Inject these faults from now on (and no others)."""
        with self._lock:
            relay, self._relay = self._relay, None
            self.chaos = chaos
            if chaos.probe_outage:
                port = int(self.server.tls_endpoint.rsplit(":", 1)[1])
                self._relay = OutageRelay(port, chaos.probe_outage)
        if relay is not None:
            relay.stop()

    def set_outputs(self, **changes: str) -> None:
        """Change stack outputs as a redeploy with other parameters would (tests)."""
        assert self.model is not None
        self.model.outputs.update(changes)
        self.client("cloudformation").update_stack(
            StackName=self.stack, TemplateBody=json.dumps(self._stack_body(self.model.outputs))
        )

    def _make_layer(self) -> None:
        """The ffmpeg layer: ``/opt/bin/ffmpeg`` in the template is this file."""
        bin_dir = self.folder / LAYER_DIR / "bin"
        bin_dir.mkdir(parents=True)
        (bin_dir / "ffmpeg").symlink_to(find_ffmpeg(self.ffmpeg))

    # -- resources --------------------------------------------------------------------------------

    def _create_stack(self) -> None:
        cloudformation = self.client("cloudformation")
        stack_id = cloudformation.create_stack(
            StackName=self.stack, TemplateBody=json.dumps(self._stack_body({}))
        )["StackId"]
        model = read_stack(self.template, self.stack, stack_id, self.parameters)
        self.model = model
        s3, sqs, events = self.client("s3"), self.client("sqs"), self.client("events")
        for bucket in model.buckets.values():
            s3.create_bucket(Bucket=bucket)
        # The footage buckets a stack may read in place: empty here, for the user to fill.
        for bucket in model.parameters.get("SourceBuckets") or []:
            if bucket:
                with contextlib.suppress(
                    s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists
                ):
                    s3.create_bucket(Bucket=bucket)
        self._create_queues(sqs, model)
        notifications: dict[str, list[dict[str, Any]]] = {}
        for function in model.functions.values():
            for trigger in function.queue_triggers:
                url = self._queue_urls[trigger.queue]
                self._sources.append(_Source(function.logical_id, url, trigger))
            if not (function.s3_triggers or function.rule_triggers):
                continue
            url, arn = self._function_queue(sqs, function)
            self._queues[function.logical_id] = url
            self._sources.append(_Source(function.logical_id, url))
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

    def _create_queues(self, sqs: Any, model: StackModel) -> None:
        for logical in model.queues:
            name = queue_name(self.stack, logical)
            self._queue_urls[logical] = sqs.create_queue(QueueName=name)["QueueUrl"]
        for logical in model.queues:
            props = model.queue_properties.get(logical) or {}
            # A batch a function failed comes back soon here, not after minutes.
            attributes = {"VisibilityTimeout": str(max(1, int(self.retry_delay)))}
            redrive = props.get("RedrivePolicy")
            if redrive:
                attributes["RedrivePolicy"] = json.dumps(redrive)
            sqs.set_queue_attributes(QueueUrl=self._queue_urls[logical], Attributes=attributes)

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
        attributes = {"VisibilityTimeout": str(int(self._timeout(function)) + 30)}
        name = queue_name(self.stack, function.logical_id + "-invocations")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return url, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"

    def _timeout(self, spec: FunctionSpec) -> float:
        return self.timeout_overrides.get(spec.logical_id, spec.timeout)

    # -- delivering -------------------------------------------------------------------------------

    def deliver(self, function: str, event: Any) -> None:
        """Queue ``event`` for ``function`` as its trigger would (e.g. a redelivery)."""
        self.client("sqs").send_message(
            QueueUrl=self._queues[function], MessageBody=json.dumps(event)
        )

    def queue_url(self, logical_id: str) -> str:
        """The URL of one of the template's queues (e.g. to look at a failure queue)."""
        return self._queue_urls[logical_id]

    def wait_idle(self, timeout: float = 60.0, settle: float = 1.0) -> None:
        """Wait until no message is queued or in flight and no invocation runs."""
        sqs = self.client("sqs")
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        urls = {source.url for source in self._sources}
        while time.monotonic() < deadline:
            pending = self._busy
            for url in urls:
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

    def _poll(self, source: _Source) -> None:
        sqs = self.client("sqs")
        batch = source.trigger.batch_size if source.trigger else 1
        while not self._stop.is_set():
            if not self._slots.acquire(timeout=0.2):
                continue
            try:
                messages = sqs.receive_message(
                    QueueUrl=source.url,
                    MaxNumberOfMessages=min(10, batch),
                    WaitTimeSeconds=0,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                ).get("Messages", [])
            except Exception as exc:
                if not self._stop.is_set():
                    log.warning("polling %s: %s", source.function, exc)
                messages = []
            if not messages or self._pool is None:
                self._slots.release()
                self._stop.wait(0.1)
                continue
            with self._lock:
                self._busy += 1
            self._pool.submit(self._run, source, messages)

    def _run(self, source: _Source, messages: list[dict[str, Any]]) -> None:
        try:
            if source.trigger is None:
                self._run_async(source, messages[0])
            else:
                self._run_batch(source, messages)
        except Exception:
            log.exception("running %s", source.function)
        finally:
            with self._lock:
                self._busy -= 1
            self._slots.release()

    def _run_async(self, source: _Source, message: dict[str, Any]) -> None:
        """One asynchronous invocation, retried and routed on failure as Lambda does."""
        sqs = self.client("sqs")
        assert self.model is not None
        spec = self.model.functions[source.function]

        def done() -> None:
            sqs.delete_message(QueueUrl=source.url, ReceiptHandle=message["ReceiptHandle"])

        event = _without_moto_extras(json.loads(message["Body"]))
        if event is None:
            done()
            return
        attempt = int((message.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
        copy = _COPY in (message.get("MessageAttributes") or {})
        if self.chaos.duplicate_events and attempt == 1 and not copy:
            sqs.send_message(
                QueueUrl=source.url,
                MessageBody=message["Body"],
                MessageAttributes={_COPY: {"DataType": "String", "StringValue": "1"}},
            )
        extra: dict[str, str] = {}
        snippet = _snippet_of(event)
        if snippet is not None and attempt == 1:
            if self.chaos.drops(snippet[0], snippet[1]):
                self.dropped.append(event)
                done()
                return
            if self.chaos.undeliverable(snippet[0], snippet[1]):
                self._dead_letter(spec, event)
                done()
                return
        if snippet is not None and self.chaos.crashes(*snippet):
            extra["FRAMEFAN_SIM_CRASH"] = "killed"
        invocation = self._invoke(source.function, event, extra, attempt)
        if self._stop.is_set():
            return  # shutting down: the queue goes with the server
        if invocation.ok:
            done()
        elif attempt <= spec.retries:
            sqs.change_message_visibility(
                QueueUrl=source.url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=max(1, int(self.retry_delay * attempt)),
            )
        else:
            self._on_failure(spec, event, invocation)
            done()

    def _run_batch(self, source: _Source, messages: list[dict[str, Any]]) -> None:
        """One invocation by an SQS event source mapping: what succeeded is deleted."""
        assert source.trigger is not None
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{source.url.rsplit('/', 1)[1]}"
        records = [_sqs_record(m, arn) for m in messages]
        invocation = self._invoke(source.function, {"Records": records}, {}, 1)
        if self._stop.is_set() or not invocation.ok:
            return  # the batch comes back after the visibility timeout
        failed: set[str] = set()
        if source.trigger.partial_failures and isinstance(invocation.result, dict):
            items = invocation.result.get("batchItemFailures") or []
            failed = {str(item.get("itemIdentifier")) for item in items}
        sqs = self.client("sqs")
        for message in messages:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=source.url, ReceiptHandle=message["ReceiptHandle"])

    def _on_failure(self, spec: FunctionSpec, event: Any, invocation: Invocation) -> None:
        if spec.failure_queue is None:
            log.warning("%s failed for good; it has no on-failure destination", spec.logical_id)
            return
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": (
                    f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:"
                    f"{self.stack}-{spec.logical_id}:$LATEST"
                ),
                "condition": "RetriesExhausted",
                "approximateInvokeCount": invocation.attempt,
            },
            "requestPayload": event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": invocation.error or {},
        }
        self.client("sqs").send_message(
            QueueUrl=self._queue_urls[spec.failure_queue], MessageBody=json.dumps(record)
        )

    def _dead_letter(self, spec: FunctionSpec, event: Any) -> None:
        """What EventBridge sends to a rule's dead-letter queue when it gives up."""
        rule = next((r for r in spec.rule_triggers if r.dead_letter_queue), None)
        if rule is None or rule.dead_letter_queue is None:
            self.dropped.append(event)
            return

        def text(value: str) -> dict[str, str]:
            return {"DataType": "String", "StringValue": value}

        self.client("sqs").send_message(
            QueueUrl=self._queue_urls[rule.dead_letter_queue],
            MessageBody=json.dumps(event),
            MessageAttributes={
                "RULE_ARN": text(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule.name}"),
                "TARGET_ARN": text(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec.logical_id}"),
                "ERROR_CODE": text("SDK_CLIENT_ERROR"),
                "ERROR_MESSAGE": text("Unable to invoke Lambda function (chaos)"),
                "EXHAUSTED_RETRY_CONDITION": text("MaximumRetryAttemptsExhausted"),
            },
        )

    def _invoke(
        self, function: str, event: Any, extra_env: dict[str, str], attempt: int
    ) -> Invocation:
        assert self.model is not None
        spec = self.model.functions[function]
        timeout = self._timeout(spec)
        began = time.monotonic()
        error: dict[str, Any] | None = None
        proc = subprocess.Popen(
            [sys.executable, "-m", "core.cloud.sim.invoke", spec.handler],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env={**self._environment(spec), **extra_env},
            cwd=self._function_dir(spec),
            start_new_session=True,
        )
        with self._lock:
            self._procs.add(proc)
        try:
            out, _ = proc.communicate(json.dumps(event).encode("utf-8"), timeout=timeout)
            output = out.decode("utf-8", "replace")
            ok = proc.returncode == 0
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            with contextlib.suppress(subprocess.SubprocessError, OSError, ValueError):
                proc.communicate(timeout=10)  # closes the pipes
            output = f"Task timed out after {timeout:.2f} seconds"
            ok = False
            error = {"errorType": "Sandbox.Timedout", "errorMessage": output}
        finally:
            with self._lock:
                self._procs.discard(proc)
        result = None
        last = _last_json(output)
        if ok:
            result = last
        elif error is None:
            if proc.returncode is not None and proc.returncode < 0:
                name = signal.Signals(-proc.returncode).name.removeprefix("SIG").lower()
                name = "killed" if name == "kill" else name
                error = {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"Runtime exited with error: signal: {name}",
                }
            elif isinstance(last, dict) and "errorMessage" in last:
                error = last
            else:
                error = {"errorType": "Runtime.ExitError", "errorMessage": "Runtime exited"}
        invocation = Invocation(
            function, event, ok, time.monotonic() - began, output, result, error, attempt, began
        )
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
        timeout = self._timeout(spec)
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
            "FRAMEFAN_SIM_DEADLINE": str(time.time() + timeout),
            # The function's code, as Lambda's task root: this very core package.
            "PYTHONPATH": str(bundle_dir()),
            "LAMBDA_TASK_ROOT": str(bundle_dir()),
        }
        layer = str(self.folder / LAYER_DIR)
        for key, value in spec.environment.items():
            # What the template puts under /opt comes from the (emulated) layer.
            env[key] = layer + value[len("/opt") :] if value.startswith("/opt/") else value
        # What differs from AWS: media is served by the emulator over TLS with its own
        # certificate (through the outage relay for the snippets function, when asked).
        env["SSL_CERT_FILE"] = str(self.server.ca_file)
        media = self.server.tls_endpoint
        if self._relay is not None and spec.s3_triggers:
            media = self._relay.endpoint
        env["FRAMEFAN_MEDIA_ENDPOINT_URL"] = media
        env.update(self.env_overrides.get(spec.logical_id, {}))
        return env


def _snippet_of(event: Any) -> tuple[str, int, str] | None:
    """(job, snippet index, run) of a snippet request, else None."""
    if not isinstance(event, dict) or "detail-type" not in event:
        return None
    detail = event.get("detail") or {}
    try:
        return str(detail["job_id"]), int(detail["snippet"]["index"]), str(detail["run"])
    except (KeyError, TypeError, ValueError):
        return None


def _sqs_record(message: dict[str, Any], arn: str) -> dict[str, Any]:
    attributes = {
        name: {"stringValue": value.get("StringValue"), "dataType": value.get("DataType")}
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes") or {},
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody"),
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": REGION,
    }


def _last_json(output: str) -> Any:
    with contextlib.suppress(ValueError, IndexError):
        return json.loads(output.rstrip().splitlines()[-1])
    return None


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
    """End an invocation and everything it started, as Lambda ends a timed-out sandbox
    (ffmpeg runs in a session of its own, so the process group alone is not enough)."""
    if proc.poll() is not None:
        return
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        children = []
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    for child in children:
        with contextlib.suppress(psutil.Error):
            child.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)
    psutil.wait_procs(children, timeout=10)
