"""Reading infra/template.yaml: the names, events and environment the emulator reproduces.

The template is the single description of the deployment; the emulator takes from it the
bucket and bus names, which function each event source invokes (S3 prefix filter, EventBridge
rule pattern and its dead-letter queue, SQS queue), each function's handler, timeout, retry
count, on-failure destination and environment. Intrinsic functions are evaluated for the
forms the template uses (Ref, Sub, Select, Split, Join, GetAtt, If and its conditions);
parameters take their defaults unless given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...paths import bundle_dir

ACCOUNT = "123456789012"
REGION = "us-east-1"


def default_template() -> Path:
    return bundle_dir() / "infra" / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (``!Ref X`` → ``{"Ref": "X"}``)."""


def _tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _tag)


def load_template(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_CfnLoader)
    if not isinstance(data, dict) or "Resources" not in data:
        raise ValueError(f"{path}: not a CloudFormation template")
    return data


@dataclass(frozen=True)
class S3Trigger:
    bucket: str  # logical id
    prefix: str
    events: tuple[str, ...]


@dataclass(frozen=True)
class RuleTrigger:
    bus: str  # logical id
    pattern: dict[str, Any]
    name: str
    dead_letter_queue: str | None = None  # logical id


@dataclass(frozen=True)
class QueueTrigger:
    queue: str  # logical id
    batch_size: int = 10
    partial_failures: bool = False  # ReportBatchItemFailures


@dataclass
class FunctionSpec:
    logical_id: str
    handler: str
    timeout: float
    retries: int
    environment: dict[str, str]
    s3_triggers: list[S3Trigger] = field(default_factory=list)
    rule_triggers: list[RuleTrigger] = field(default_factory=list)
    queue_triggers: list[QueueTrigger] = field(default_factory=list)
    failure_queue: str | None = None  # logical id of the on-failure destination
    reserved_concurrency: int | None = None


@dataclass
class StackModel:
    name: str
    stack_id: str
    buckets: dict[str, str]  # logical id → bucket name
    buses: dict[str, str]  # logical id → bus name
    queues: list[str]  # logical ids
    functions: dict[str, FunctionSpec]
    outputs: dict[str, str]
    queue_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)


NO_VALUE = object()  # AWS::NoValue: the property is left out


class _Evaluator:
    def __init__(
        self,
        template: dict[str, Any],
        name: str,
        stack_id: str,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.resources: dict[str, Any] = template["Resources"]
        self.refs: dict[str, Any] = {
            "AWS::StackName": name,
            "AWS::StackId": stack_id,
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.parameters: dict[str, Any] = {}
        for key, spec in (template.get("Parameters") or {}).items():
            value = (parameters or {}).get(key, spec.get("Default"))
            if spec.get("Type") == "CommaDelimitedList" and isinstance(value, str):
                value = [item.strip() for item in value.split(",")] if value else []
            self.parameters[key] = value
        unknown = set(parameters or {}) - set(self.parameters)
        if unknown:
            raise ValueError(f"the template has no parameter {sorted(unknown)[0]}")
        self.refs.update(self.parameters)
        self.refs["AWS::NoValue"] = NO_VALUE
        self.conditions: dict[str, Any] = template.get("Conditions") or {}

    def condition(self, name: str) -> bool:
        return bool(self(self.conditions[name]))

    def __call__(self, node: Any, local: dict[str, Any] | None = None) -> Any:
        if isinstance(node, list):
            return [v for v in (self(item, local) for item in node) if v is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Ref", "Fn::", "Condition")):
            values = {key: self(value, local) for key, value in node.items()}
            return {key: value for key, value in values.items() if value is not NO_VALUE}
        ((function, arg),) = node.items()
        if function == "Ref":
            return self.ref(arg)
        if function == "Condition":
            return self.condition(arg)
        if function == "Fn::If":
            return self(arg[1] if self.condition(arg[0]) else arg[2], local)
        if function == "Fn::Equals":
            left, right = (self(item, local) for item in arg)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not self(arg[0], local)
        if function == "Fn::And":
            return all(self(item, local) for item in arg)
        if function == "Fn::Or":
            return any(self(item, local) for item in arg)
        if function == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            values = {k: self(v, local) for k, v in variables.items()}
            return re.sub(r"\$\{([^}!]+)\}", lambda m: str(self._sub_var(m[1], values)), text)
        if function == "Fn::Select":
            return self(arg[1], local)[int(self(arg[0], local))]
        if function == "Fn::Split":
            return str(self(arg[1], local)).split(self(arg[0], local))
        if function == "Fn::Join":
            return str(self(arg[0], local)).join(str(v) for v in self(arg[1], local))
        if function == "Fn::GetAtt":
            return self.get_att(arg[0], arg[1])
        raise ValueError(f"the emulator cannot evaluate {function} in the template")

    def _sub_var(self, name: str, values: dict[str, Any]) -> Any:
        if name in values:
            return values[name]
        if "." in name:
            logical, attribute = name.split(".", 1)
            return self.get_att(logical, attribute)
        return self.ref(name)

    def ref(self, name: str) -> Any:
        if name in self.refs:
            return self.refs[name]
        resource = self.resources.get(name)
        if resource is None:
            raise ValueError(f"the template refers to unknown {name!r}")
        props = resource.get("Properties") or {}
        kind = resource["Type"]
        if kind == "AWS::S3::Bucket":
            return self(props["BucketName"])
        if kind == "AWS::Events::EventBus":
            return self(props["Name"])
        return f"{name}-{ACCOUNT}"  # a stand-in physical id (queues, policies, layers)

    def get_att(self, logical: str, attribute: str) -> str:
        resource = self.resources[logical]
        kind = resource["Type"]
        if kind == "AWS::SQS::Queue":
            name = queue_name(self.refs["AWS::StackName"], logical)
            return name if attribute == "QueueName" else f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"
        if kind == "AWS::S3::Bucket":
            return f"arn:aws:s3:::{self.ref(logical)}"
        if kind == "AWS::Events::EventBus":
            return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{self.ref(logical)}"
        return f"arn:aws:{logical}:{REGION}:{ACCOUNT}"


def queue_name(stack: str, logical_id: str) -> str:
    return f"{stack}-{logical_id}"


def read_stack(
    path: Path, name: str, stack_id: str, parameters: dict[str, Any] | None = None
) -> StackModel:
    template = load_template(path)
    evaluate = _Evaluator(template, name, stack_id, parameters)
    resources = template["Resources"]
    globals_fn = (template.get("Globals") or {}).get("Function") or {}
    global_env = ((globals_fn.get("Environment") or {}).get("Variables")) or {}
    buckets, buses, queues, functions = {}, {}, [], {}
    queue_properties: dict[str, dict[str, Any]] = {}
    for logical, resource in resources.items():
        kind = resource["Type"]
        if kind == "AWS::S3::Bucket":
            buckets[logical] = evaluate.ref(logical)
        elif kind == "AWS::Events::EventBus":
            buses[logical] = evaluate.ref(logical)
        elif kind == "AWS::SQS::Queue":
            queues.append(logical)
            queue_properties[logical] = evaluate(resource.get("Properties") or {})
        elif kind == "AWS::Serverless::Function":
            functions[logical] = _function(logical, resource, global_env, evaluate)
    outputs = {
        key: str(evaluate(spec["Value"])) for key, spec in (template.get("Outputs") or {}).items()
    }
    return StackModel(
        name,
        stack_id,
        buckets,
        buses,
        queues,
        functions,
        outputs,
        queue_properties,
        dict(evaluate.parameters),
    )


def _function(
    logical: str, resource: dict[str, Any], global_env: dict[str, Any], evaluate: _Evaluator
) -> FunctionSpec:
    props = resource.get("Properties") or {}
    env_vars = {**global_env, **((props.get("Environment") or {}).get("Variables") or {})}
    invoke = props.get("EventInvokeConfig") or {}
    failure = ((invoke.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    reserved = evaluate({"value": props.get("ReservedConcurrentExecutions", NO_VALUE)})
    spec = FunctionSpec(
        logical_id=logical,
        handler=str(props["Handler"]),
        timeout=float(evaluate(props.get("Timeout", 3))),
        retries=int(evaluate(invoke.get("MaximumRetryAttempts", 2))),
        environment={key: str(evaluate(value)) for key, value in env_vars.items()},
        failure_queue=failure["Fn::GetAtt"][0] if isinstance(failure, dict) else None,
        reserved_concurrency=int(reserved["value"]) if "value" in reserved else None,
    )
    for event_name, event in (props.get("Events") or {}).items():
        eprops = event.get("Properties") or {}
        if event["Type"] == "S3":
            rules = ((eprops.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
            prefix = next((r["Value"] for r in rules if r["Name"].lower() == "prefix"), "")
            events = eprops["Events"]
            spec.s3_triggers.append(
                S3Trigger(
                    eprops["Bucket"]["Ref"],
                    prefix,
                    tuple(events if isinstance(events, list) else [events]),
                )
            )
        elif event["Type"] == "EventBridgeRule":
            dead_letter = (eprops.get("DeadLetterConfig") or {}).get("Arn")
            spec.rule_triggers.append(
                RuleTrigger(
                    eprops["EventBusName"]["Ref"],
                    eprops["Pattern"],
                    logical + event_name,
                    dead_letter["Fn::GetAtt"][0] if isinstance(dead_letter, dict) else None,
                )
            )
        elif event["Type"] == "SQS":
            spec.queue_triggers.append(
                QueueTrigger(
                    eprops["Queue"]["Fn::GetAtt"][0],
                    int(evaluate(eprops.get("BatchSize", 10))),
                    "ReportBatchItemFailures" in (eprops.get("FunctionResponseTypes") or []),
                )
            )
    return spec
