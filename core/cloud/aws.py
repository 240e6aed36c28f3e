"""boto3 sessions and clients as FrameFan uses them, and AWS errors as users read them.

Clients use the ``standard`` retry mode (retries with backoff on throttling and transient
errors) and bounded connect/read timeouts, so a dead network fails in seconds, not minutes.
``AWS_ENDPOINT_URL`` (botocore's own setting) points every client at another endpoint, such
as the offline emulator.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
from botocore.config import Config

from ..errors import FrameFanError

CONNECT_TIMEOUT = 5
READ_TIMEOUT = 60
MAX_ATTEMPTS = 5


class CloudError(FrameFanError):
    """Something on the AWS side failed; the message says what to do."""


def client_config(**overrides: Any) -> Config:
    options: dict[str, Any] = {
        "retries": {"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        "connect_timeout": CONNECT_TIMEOUT,
        "read_timeout": READ_TIMEOUT,
    }
    options.update(overrides)
    return Config(**options)


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session from the standard credential chain (environment, profiles, SSO).

    The region, when not given, comes from the profile, ``AWS_DEFAULT_REGION`` or, as the
    AWS CLI and Lambda also use it, ``AWS_REGION``."""
    try:
        session = boto3.Session(profile_name=profile or None, region_name=region or None)
    except botocore.exceptions.ProfileNotFound:
        raise CloudError(
            f"AWS profile {profile!r} not found: check the name, or create it with "
            f"'aws configure --profile {profile}' (or 'aws configure sso')"
        ) from None
    if session.region_name is None and os.environ.get("AWS_REGION"):
        session = boto3.Session(profile_name=profile or None, region_name=os.environ["AWS_REGION"])
    return session


def profile_names() -> list[str]:
    """The profiles of the user's AWS config and credentials files (reads only those files;
    an unreadable file gives none)."""
    try:
        return sorted(botocore.session.Session().available_profiles)
    except botocore.exceptions.BotoCoreError:
        return []


def make_client(session: boto3.Session, service: str, **config: Any) -> Any:
    if session.region_name is None:
        raise CloudError(
            "no AWS region set: choose a region (the one the stack was deployed to), "
            "or set AWS_REGION / 'region' in the profile"
        )
    return session.client(service, config=client_config(**config))


_EXPIRED = {
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "TokenRefreshRequired",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden", "403"}
_BAD_CREDENTIALS = {
    "InvalidClientTokenId",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
}


def explain(exc: Exception, action: str, profile: str | None = None) -> CloudError:
    """A :class:`CloudError` telling the user what went wrong while ``action`` and what to do."""
    login = f"'aws sso login --profile {profile}'" if profile else "'aws sso login'"
    if isinstance(exc, CloudError):
        return exc
    if isinstance(
        exc, botocore.exceptions.NoCredentialsError | botocore.exceptions.PartialCredentialsError
    ):
        return CloudError(
            f"{action}: no AWS credentials found. Run 'aws configure' (access keys) or "
            f"{login} (SSO), or choose a profile that has credentials"
        )
    if isinstance(
        exc, botocore.exceptions.TokenRetrievalError | botocore.exceptions.SSOTokenLoadError
    ) or (isinstance(exc, botocore.exceptions.ClientError) and _code(exc) in _EXPIRED):
        return CloudError(f"{action}: the AWS credentials have expired. Run {login} and retry")
    if isinstance(
        exc,
        botocore.exceptions.EndpointConnectionError
        | botocore.exceptions.ConnectTimeoutError
        | botocore.exceptions.ReadTimeoutError
        | botocore.exceptions.ConnectionClosedError,
    ):
        return CloudError(
            f"{action}: cannot reach AWS ({_endpoint(exc)}). Check the network connection "
            "(and any proxy or VPN), then retry"
        )
    if isinstance(exc, botocore.exceptions.ClientError):
        code = _code(exc)
        message = exc.response.get("Error", {}).get("Message") or code
        if code in _DENIED:
            return CloudError(
                f"{action}: access denied. Attach the stack's EditorPolicy (an output of the "
                "stack) to your IAM user or role"
            )
        if code in _BAD_CREDENTIALS:
            return CloudError(
                f"{action}: AWS does not accept these credentials ({code}). Check the access "
                f"key of the profile, or run {login}"
            )
        return CloudError(f"{action}: {code}: {message}")
    if isinstance(exc, botocore.exceptions.BotoCoreError):
        return CloudError(f"{action}: {exc}")
    return CloudError(f"{action}: {type(exc).__name__}: {exc}")


def _code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _endpoint(exc: Exception) -> str:
    return str(getattr(exc, "kwargs", {}).get("endpoint_url") or "no connection")
