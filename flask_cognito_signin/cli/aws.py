"""Amazon Cognito's API through boto3, set up from the standard AWS sources, with failures as one line.

Region, credentials and endpoint come from where every AWS tool looks (AWS_PROFILE and the
config files, AWS_REGION / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID…, and boto3's own
AWS_ENDPOINT_URL, which points it at an emulator), so these commands need no AWS settings of
their own. What cannot work is said in one line, never as a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.client import BaseClient

# boto3 is imported by the functions below, not here: the web app registers these commands
# but never runs them, and should not pay for loading boto3 in every worker.


class AWSError(Exception):
    """AWS cannot be used, or refused a call; the message is one line for the terminal."""


class NoCredentials(AWSError):
    """No credentials in any of the standard places: the caller may go on without AWS."""


class NotInstalled(AWSError):
    """boto3 is not installed (it is the optional extra [aws]): the caller may go on without AWS."""


def cognito_client(region: str | None = None) -> BaseClient:
    """A cognito-idp client for `region`, else the configured region (AWS_REGION first, as the AWS CLI does)."""
    try:
        import boto3  # an optional dependency: web workers do without it
    except ImportError as error:
        raise NotInstalled("boto3 is not installed: pip install 'flask-cognito-signin[aws]'") from error

    with one_line_errors():
        session = boto3.session.Session()
        region = region or os.environ.get("AWS_REGION") or session.region_name
        if not region:
            raise AWSError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION), or a region in your AWS profile")
        if session.get_credentials() is None:
            raise NoCredentials(
                "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or run `aws configure` / `aws sso login`)"
            )
        return session.client("cognito-idp", region_name=region)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """Turn botocore's exceptions into AWSError naming the operation and AWS's error code."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as error:
        details = error.response.get("Error", {})
        message = " ".join(str(details.get("Message", "")).split())
        raise AWSError(
            f"AWS {error.operation_name} failed: {details.get('Code', 'error')}" + (f": {message}" if message else "")
        ) from error
    except BotoCoreError as error:
        raise AWSError(f"AWS: {error}") from error
