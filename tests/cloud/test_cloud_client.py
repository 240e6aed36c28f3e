"""The desktop side of the cloud path: multipart upload and its resumption, the connection
check and the errors users see."""

from __future__ import annotations

import asyncio
import json
import shutil
import threading

import botocore.exceptions
import pytest

from core.cloud.aws import CloudError, explain, profile_names
from core.cloud.keys import upload_key
from core.cloud.metadata import from_metadata, to_metadata
from core.cloud.runner import STATE_NAME
from core.cloud.stack import CloudTarget, check_connection
from core.cloud.upload import MIB, UploadStopped, part_size_for, upload_file
from core.events import UploadProgress
from core.manifest import DONE

from .. import media
from .conftest import SETTINGS, STACK, make_runner

PART = 5 * MIB  # S3's smallest part size


@pytest.fixture(scope="session")
def big_clip(make_video):
    """About 11 MB: three parts of 5 MiB."""
    spec = media.Spec(
        "cloud-big.mp4",
        "color=c=gray:s=320x240:r=25:d=4,noise=alls=60:allf=t",
        codec=["-c:v", "libx264", "-qp", "0", "-preset", "ultrafast", "-pix_fmt", "yuv420p"],
    )
    path = make_video(spec)
    assert 2 * PART < path.stat().st_size < 3 * PART, path.stat().st_size
    return path


def test_big_video_goes_up_in_parts(aws_env, big_clip, tmp_path, s3, resources):
    job_dir = tmp_path / "job"
    manifest = asyncio.run(make_runner(part_size=PART).run_job(big_clip, job_dir))
    assert manifest.status == DONE
    cloud_job = json.loads((job_dir / STATE_NAME).read_text())["cloud_job"]
    head = s3.head_object(Bucket=resources.uploads_bucket, Key=upload_key(cloud_job, big_clip.name))
    assert head["ETag"].strip('"').endswith("-3")
    assert from_metadata(head["Metadata"])[0] == SETTINGS


def test_interrupted_upload_resumes_with_the_parts_already_sent(aws_env, big_clip, s3, resources):
    # Outside uploads/: this test is about the transfer, not about processing.
    bucket, key = resources.uploads_bucket, "transfer-test/big.mp4"
    stop = threading.Event()
    sent_parts = []

    def stop_after_first_part(sent: int, total: int) -> None:
        sent_parts.append(sent)
        if sent:
            stop.set()

    with pytest.raises(UploadStopped):
        upload_file(
            s3, bucket, key, big_clip, to_metadata(SETTINGS, "r1"),
            on_progress=stop_after_first_part, stop=stop, part_size=PART, threads=1,
        )  # fmt: skip
    assert sent_parts == [0, PART]  # nothing reused, then one part sent before stopping

    progress: list[int] = []
    result = upload_file(
        s3, bucket, key, big_clip, to_metadata(SETTINGS, "r1"),
        on_progress=lambda sent, total: progress.append(sent), part_size=PART,
    )  # fmt: skip
    assert result.reused_parts == 1 and result.parts == 3
    assert progress[0] == PART and progress[-1] == big_clip.stat().st_size
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == big_clip.read_bytes()
    assert not s3.list_multipart_uploads(Bucket=bucket, Prefix=key).get("Uploads")


def test_part_size_stays_within_s3_limits():
    assert part_size_for(1) == 8 * MIB
    huge = 5 * 1024**4  # 5 TiB, S3's largest object
    assert part_size_for(huge) * 10_000 >= huge
    assert part_size_for(huge) % MIB == 0


def test_connection_check_passes_against_the_stack(aws_env):
    report = check_connection(CloudTarget(STACK))
    assert report.ok, report.summary
    assert [s.name for s in report.steps] == ["credentials", "stack", "read results", "upload"]
    # The write check leaves no object behind (so no processing starts).
    uploads = aws_env.model.buckets["UploadsBucket"]
    listing = aws_env.client("s3").list_objects_v2(Bucket=uploads, Prefix="uploads/connection")
    assert not listing.get("Contents")


def test_connection_check_names_a_missing_stack(aws_env):
    report = check_connection(CloudTarget("no-such-stack"))
    assert not report.ok
    assert report.summary.startswith("stack 'no-such-stack' not found in region us-east-1")


def test_connection_check_without_credentials(aws_env, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    report = check_connection(CloudTarget(STACK))
    assert not report.ok
    assert "no AWS credentials found" in report.summary and "aws configure" in report.summary


def test_connection_check_with_the_network_down(aws_env, monkeypatch):
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setattr("core.cloud.aws.MAX_ATTEMPTS", 1)
    report = check_connection(CloudTarget(STACK))
    assert not report.ok
    assert "cannot reach AWS" in report.summary and "network" in report.summary


def test_unknown_profile_is_explained(aws_env):
    report = check_connection(CloudTarget(STACK, profile="nobody"))
    assert not report.ok and "profile 'nobody' not found" in report.summary


def test_lambda_job_with_a_missing_stack_fails_with_the_reason(aws_env, named_clip, tmp_path):
    from core.cloud.runner import LambdaRunner

    runner = LambdaRunner(SETTINGS, CloudTarget("no-such-stack"))
    manifest = asyncio.run(runner.run_job(named_clip("a.mp4"), tmp_path / "job"))
    assert manifest.status == "failed"
    assert manifest.error.startswith("a.mp4: stack 'no-such-stack' not found")


def _client_error(code: str) -> botocore.exceptions.ClientError:
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "x"}}, "GetObject")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            _client_error("ExpiredToken"),
            "credentials have expired. Run 'aws sso login --profile p'",
        ),
        (_client_error("AccessDenied"), "access denied. Attach the stack's EditorPolicy"),
        (_client_error("InvalidAccessKeyId"), "does not accept these credentials"),
        (botocore.exceptions.NoCredentialsError(), "no AWS credentials found"),
        (
            botocore.exceptions.EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
            "cannot reach AWS (https://s3.amazonaws.com)",
        ),
    ],
)
def test_aws_errors_say_what_to_do(error, expected):
    message = str(explain(error, "reading results", profile="p"))
    assert message.startswith("reading results: ")
    assert expected in message
    assert isinstance(explain(error, "x"), CloudError)


def test_connection_check_names_missing_outputs(aws_env):
    aws_env.client("cloudformation").create_stack(
        StackName="not-framefan",
        TemplateBody=json.dumps(
            {
                "Resources": {
                    "Marker": {
                        "Type": "AWS::SSM::Parameter",
                        "Properties": {"Name": "/other/stack", "Type": "String", "Value": "x"},
                    }
                },
                "Outputs": {"UploadsBucketName": {"Value": "somewhere"}},
            }
        ),
    )
    report = check_connection(CloudTarget("not-framefan"))
    assert not report.ok
    assert "has no output ResultsBucketName, EventBusName" in report.summary
    assert "deploy infra/template.yaml again" in report.summary


def test_upload_cancelled_half_way_resumes_under_the_same_run(aws_env, big_clip, tmp_path, s3):
    video = tmp_path / "big copy.mp4"
    shutil.copyfile(big_clip, video)  # a new input: a cloud job of its own
    job_dir = tmp_path / "resumed-job"
    events: list = []

    async def cancel_during_upload() -> None:
        runner = make_runner(events, part_size=PART, upload_threads=1)
        task = asyncio.ensure_future(runner.run_job(video, job_dir))
        async with asyncio.timeout(60):
            while not any(isinstance(e, UploadProgress) and e.sent for e in events):
                await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_during_upload())
    state = json.loads((job_dir / STATE_NAME).read_text())
    assert state["etag"] is None and state["run"]
    uploads = aws_env.model.buckets["UploadsBucket"]
    key = upload_key(state["cloud_job"], video.name)
    assert s3.list_multipart_uploads(Bucket=uploads, Prefix=key).get("Uploads")

    manifest = asyncio.run(make_runner(part_size=PART).run_job(video, job_dir))
    assert manifest.status == DONE, manifest.error
    head = s3.head_object(Bucket=uploads, Key=key)
    assert from_metadata(head["Metadata"])[1] == state["run"]
    assert json.loads((job_dir / STATE_NAME).read_text())["run"] == state["run"]


def test_profile_names_come_from_the_config_and_credentials_files(tmp_path, monkeypatch):
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text("[default]\nregion = eu-west-1\n[profile editor]\nregion = us-east-1\n")
    credentials.write_text("[ci]\naws_access_key_id = x\naws_secret_access_key = y\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    assert profile_names() == ["ci", "default", "editor"]
    config.write_text("[profile broken\nregion\n")
    assert profile_names() == []
