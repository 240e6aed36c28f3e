"""infra/template.yaml: cfn-lint clean, and hardened as the deployment needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from core.cloud.limits import ENVIRONMENT, PARAMETERS, CloudLimits
from core.cloud.sim.template import default_template, load_template, read_stack
from core.cloud.stack import REQUIRED_OUTPUTS
from core.cloud.tasks import DETAIL_TYPE, EVENT_SOURCE

TEMPLATE = default_template()


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def test_cfn_lint_reports_nothing():
    lint = Path(sys.executable).parent / "cfn-lint"
    result = subprocess.run(
        [str(lint), "--format", "parseable", str(TEMPLATE)], capture_output=True, text=True
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_buckets_are_private_encrypted_tls_only_and_expire(template):
    buckets = _resources(template, "AWS::S3::Bucket")
    assert set(buckets) == {"UploadsBucket", "ResultsBucket"}
    policies = {
        r["Properties"]["Bucket"]["Ref"]: r["Properties"]["PolicyDocument"]
        for r in _resources(template, "AWS::S3::BucketPolicy").values()
    }
    for name, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
        sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
        deny = [s for s in policies[name]["Statement"] if s["Effect"] == "Deny"]
        assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny)
        rules = props["LifecycleConfiguration"]["Rules"]
        aborts = [r for r in rules if isinstance(r, dict) and "AbortIncompleteMultipartUpload" in r]
        assert aborts[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 1
    uploads = buckets["UploadsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    assert {"Ref": "UploadRetentionDays"} in [r.get("ExpirationInDays") for r in uploads]
    results = buckets["ResultsBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    expire = next(r["Fn::If"] for r in results if "Fn::If" in r)
    assert expire[0] == "ExpireResults" and expire[1]["ExpirationInDays"] == {
        "Ref": "ResultRetentionDays"
    }
    assert template["Parameters"]["ResultRetentionDays"]["Default"] == 0  # off by default


def test_functions_are_triggered_as_designed(template):
    functions = _resources(template, "AWS::Serverless::Function")
    snippets, process = functions["SnippetsFunction"], functions["ProcessFunction"]
    (s3_event,) = snippets["Properties"]["Events"].values()
    assert s3_event["Type"] == "S3"
    assert s3_event["Properties"]["Bucket"] == {"Ref": "UploadsBucket"}
    assert s3_event["Properties"]["Events"] == "s3:ObjectCreated:*"
    assert s3_event["Properties"]["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": "uploads/"}
    ]
    (rule,) = process["Properties"]["Events"].values()
    assert rule["Type"] == "EventBridgeRule"
    rule_props = rule["Properties"]
    assert rule_props["EventBusName"] == {"Ref": "SnippetBus"}  # a dedicated bus
    assert rule_props["Pattern"] == {"source": [EVENT_SOURCE], "detail-type": [DETAIL_TYPE]}
    assert rule_props["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert "MaximumEventAgeInSeconds" in rule_props["RetryPolicy"]
    assert rule_props["DeadLetterConfig"]["Arn"] == {
        "Fn::GetAtt": ["UndeliveredEventsQueue", "Arn"]
    }
    for function in (snippets, process):
        invoke = function["Properties"]["EventInvokeConfig"]
        assert {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"} <= set(invoke)
        assert invoke["DestinationConfig"]["OnFailure"]["Type"] == "SQS"
    # The on-failure handler reads both failure queues.
    failure = functions["FailureFunction"]["Properties"]["Events"]
    assert {e["Properties"]["Queue"]["Fn::GetAtt"][0] for e in failure.values()} == {
        "FailedInvocationsQueue",
        "UndeliveredEventsQueue",
    }
    props = process["Properties"]
    assert {"MemorySize", "Timeout", "EphemeralStorage"} <= set(props)
    runtime = template["Globals"]["Function"]["Runtime"]
    assert runtime.startswith("python3.") and int(runtime.split(".")[1]) >= 12


def _statements(template: dict[str, Any]):
    for logical, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        documents = [props.get("PolicyDocument")]
        documents += [p for p in props.get("Policies") or [] if isinstance(p, dict)]
        for document in documents:
            for statement in _unwrap((document or {}).get("Statement") or []):
                yield logical, statement


def _unwrap(statements: list[Any]):
    """The statements, with those behind a condition (``Fn::If``) taken out of it."""
    for statement in statements:
        if "Fn::If" in statement:
            yield from (branch for branch in statement["Fn::If"][1:] if "Effect" in branch)
        else:
            yield statement


def _text(value: Any) -> str:
    return repr(value)


def test_policies_are_least_privilege(template):
    for logical, statement in _statements(template):
        if statement.get("Effect") != "Allow":
            continue
        resources = statement["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            assert resource != "*", f"{logical}: a statement allows every resource"
        actions = statement["Action"]
        assert "*" not in _text(actions), f"{logical}: wildcard action"
    for name in ("SnippetsFunction", "ProcessFunction", "FailureFunction"):
        function = template["Resources"][name]["Properties"]
        # One statement list each: Lambda's destination policy is added by SAM, once.
        assert len(function["Policies"]) == 1
        for statement in _unwrap(function["Policies"][0]["Statement"]):
            if "framefan-uploads" in _text(statement["Resource"]):
                actions = statement["Action"]
                assert set(actions if isinstance(actions, list) else [actions]) <= {
                    "s3:GetObject",
                    "s3:ListBucket",
                }, f"{name} may only read uploads"
    snippets = template["Resources"]["SnippetsFunction"]["Properties"]["Policies"][0]
    put_events = [s for s in _unwrap(snippets["Statement"]) if s["Action"] == "events:PutEvents"]
    assert put_events[0]["Resource"] == {"Fn::GetAtt": ["SnippetBus", "Arn"]}
    editor = template["Resources"]["EditorPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allowed = {
        a for s in editor for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert allowed == {
        "s3:PutObject",
        "s3:AbortMultipartUpload",
        "s3:ListMultipartUploadParts",
        "s3:ListBucketMultipartUploads",
        "s3:GetObject",
        "s3:ListBucket",
        "cloudformation:DescribeStacks",
    }
    puts = [s for s in editor if "s3:PutObject" in s["Action"]]
    assert _text(puts[0]["Resource"]).endswith("/uploads/*'}")
    # Publishing a web page writes beside a job's results, nowhere else in that bucket.
    assert puts[1]["Action"] == "s3:PutObject" and len(puts) == 2
    assert _text(puts[1]["Resource"]).endswith("ResultsBucket.Arn}/results/*/web/*'}")
    read = next(s for s in editor if s["Action"] == "s3:GetObject")
    assert "ResultsBucket" in _text(read["Resource"]) and "/results/*" in _text(read["Resource"])


def test_every_parameter_has_a_default_and_the_outputs_are_there(template):
    assert all("Default" in p for p in template["Parameters"].values())
    outputs = set(template["Outputs"])
    assert set(REQUIRED_OUTPUTS) | {"EditorPolicyArn"} <= outputs


def test_the_emulator_reads_names_patterns_and_environment_from_it():
    stack_id = (
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/0f0e0d0c-aaaa-bbbb-cccc-1234567890ab"
    )
    model = read_stack(TEMPLATE, "s", stack_id)
    assert model.buckets == {
        "UploadsBucket": "framefan-uploads-0f0e0d0c-aaaa-bbbb-cccc-1234567890ab",
        "ResultsBucket": "framefan-results-0f0e0d0c-aaaa-bbbb-cccc-1234567890ab",
    }
    assert model.buses == {"SnippetBus": "s-snippets"}
    process = model.functions["ProcessFunction"]
    assert process.handler == "core.cloud.functions.process.handler"
    assert process.environment["UPLOADS_BUCKET"] == model.buckets["UploadsBucket"]
    assert process.environment["RESULTS_BUCKET"] == model.buckets["ResultsBucket"]
    assert process.rule_triggers[0].pattern["source"] == [EVENT_SOURCE]
    assert process.retries == 2 and process.failure_queue == "FailedInvocationsQueue"
    snippets = model.functions["SnippetsFunction"]
    assert snippets.environment["EVENT_BUS_NAME"] == "s-snippets"
    assert snippets.s3_triggers[0].prefix == "uploads/"
    assert model.outputs["EventBusName"] == "s-snippets"


def test_cfn_lint_and_sam_validate_lint_are_clean():
    sam = Path(sys.executable).parent.parent / "sam" / "bin" / "sam"
    if not sam.exists():
        pytest.skip("the SAM CLI is installed by scripts/bootstrap.sh test")
    result = subprocess.run(
        [str(sam), "validate", "--lint", "--template-file", str(TEMPLATE)],
        capture_output=True,
        text=True,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0"},
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


def test_defaults_deploy_on_a_10_concurrency_account():
    """Lambda keeps 100 unreserved: on an account whose quota is 10, any reservation fails
    the deployment. The defaults reserve nothing; asking reserves what was asked."""
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/0f0e0d0c-aaaa-bbbb-cccc-1"
    model = read_stack(TEMPLATE, "s", stack_id)
    quota, unreserved_minimum = 10, 100
    reserved = [f.reserved_concurrency for f in model.functions.values()]
    assert reserved == [None] * len(model.functions)
    total = sum(r or 0 for r in reserved)
    assert total == 0 or total + unreserved_minimum <= quota
    asked = read_stack(
        TEMPLATE, "s", stack_id, {"ProcessConcurrency": 50, "SnippetsConcurrency": 5}
    )
    assert asked.functions["ProcessFunction"].reserved_concurrency == 50
    assert asked.functions["SnippetsFunction"].reserved_concurrency == 5


def test_the_per_job_caps_are_stack_parameters_the_snippets_function_reads(template):
    parameters = template["Parameters"]
    environment = template["Resources"]["SnippetsFunction"]["Properties"]["Environment"]
    variables = environment["Variables"]
    for field, parameter in PARAMETERS.items():
        assert parameter in parameters and "Default" in parameters[parameter], parameter
        assert variables[ENVIRONMENT[field]] == {"Ref": parameter}, field
        assert (
            f"{parameter}=${{{parameter}}}" in template["Outputs"]["JobLimits"]["Value"]["Fn::Sub"]
        )
    defaults = CloudLimits.from_output(read_stack(TEMPLATE, "s", "arn:x/s/1").outputs["JobLimits"])
    assert defaults == CloudLimits()  # the code's defaults are the template's


def test_logs_expire_failures_raise_alarms_and_outputs_can_be_cleaned_up(template):
    groups = _resources(template, "AWS::Logs::LogGroup")
    functions = _resources(template, "AWS::Serverless::Function")
    used = {f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"] for f in functions.values()}
    assert used == set(groups)
    assert all(
        g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values()
    )
    alarms = _resources(template, "AWS::CloudWatch::Alarm")
    watched = {a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms.values()}
    assert watched == set(_resources(template, "AWS::SQS::Queue"))
    assert all("Fn::If" in a["Properties"]["AlarmActions"] for a in alarms.values())
    assert "AlarmTopicArn" in template["Parameters"]
    layer = template["Resources"]["FfmpegLayer"]["Properties"]["Description"]
    assert "glibc 2.28" in layer and "static" not in layer.lower()
    process = functions["ProcessFunction"]["Properties"]["Policies"][0]["Statement"]
    writes = next(s for s in process if s["Sid"] == "WriteResults")
    assert "s3:AbortMultipartUpload" in writes["Action"]


def test_source_buckets_are_read_only_for_the_functions_and_nothing_for_editors(template):
    parameter = template["Parameters"]["SourceBuckets"]
    assert parameter["Type"] == "CommaDelimitedList" and parameter["Default"] == ""
    for name in ("SnippetsFunction", "ProcessFunction"):
        statements = template["Resources"][name]["Properties"]["Policies"][0]["Statement"]
        (guarded,) = [s for s in statements if "Fn::If" in s]
        condition, statement, otherwise = guarded["Fn::If"]
        assert condition == "HasSourceBuckets" and otherwise == {"Ref": "AWS::NoValue"}
        assert statement["Action"] == "s3:GetObject"
    editor = template["Resources"]["EditorPolicy"]["Properties"]["PolicyDocument"]
    assert "SourceBuckets" not in _text(editor)
    stack_id = "arn:aws:cloudformation:us-east-1:123456789012:stack/s/0f0e0d0c-aaaa"
    model = read_stack(TEMPLATE, "s", stack_id, {"SourceBuckets": "archive,shoot-2026"})
    assert model.functions["ProcessFunction"].environment["SOURCE_BUCKETS"] == "archive,shoot-2026"
    assert model.outputs["SourceBucketNames"] == "archive,shoot-2026"
    assert read_stack(TEMPLATE, "s", stack_id).outputs["SourceBucketNames"] == ""
