"""Where a user pool's OpenID issuer lives: Cognito's own address, or the emulator boto3 is pointed at.

Cognito names a pool's issuer https://cognito-idp.<region>.amazonaws.com/<pool id>. With
AWS_ENDPOINT_URL set, the pools live in an emulator instead, which may serve the discovery
document itself at <endpoint>/<pool id>/.well-known/openid-configuration.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import requests

from flask_cognito_signin.settings import DISCOVERY_SUFFIX

from ..oidc import OIDCError
from ..oidc.http import get_json

_POOL_ID = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)_[0-9A-Za-z]+$")
_COGNITO_ISSUER_HOST = re.compile(r"^cognito-idp\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_AWS_HOST = re.compile(r"(^|\.)amazonaws\.com(\.cn)?$")


def is_aws_endpoint(endpoint_url: str) -> bool:
    """False when boto3 talks to something else than AWS (AWS_ENDPOINT_URL, or endpoint_url in a profile)."""
    return bool(_AWS_HOST.search(urlsplit(endpoint_url).hostname or ""))


def pool_id_in(issuer: str) -> str | None:
    """The user pool ID an issuer ends with, if it has the shape of one (region_id)."""
    pool_id = urlsplit(issuer).path.strip("/")
    return pool_id if _POOL_ID.match(pool_id) else None


def region_of(pool_id: str) -> str:
    """A pool ID starts with its region: eu-west-1_AbC123 lives in eu-west-1."""
    return pool_id.split("_", 1)[0]


def is_managed_by(issuer: str, endpoint_url: str) -> bool:
    """True when the Cognito API at `endpoint_url` manages the pool behind `issuer`: AWS's, or the emulator's own."""
    if _COGNITO_ISSUER_HOST.match(urlsplit(issuer).hostname or ""):
        return True
    return not is_aws_endpoint(endpoint_url) and urlsplit(issuer).netloc == urlsplit(endpoint_url).netloc


def discovery_settings(endpoint_url: str, region: str, pool_id: str,
                       timeout: float) -> tuple[dict[str, str], list[str]]:
    """The .env lines naming the pool's discovery document, and notes on what an emulator does not serve.

    Against AWS: COGNITO_REGION and COGNITO_USER_POOL_ID. Against an emulator that serves the
    pool's discovery document: that URL, even when its issuer is one the app will refuse (the
    note says so), since nothing else of the emulator's is reachable.
    """
    at_cognito = {"COGNITO_REGION": region, "COGNITO_USER_POOL_ID": pool_id}
    if is_aws_endpoint(endpoint_url):
        return at_cognito, []
    url = f"{endpoint_url.rstrip('/')}/{pool_id}{DISCOVERY_SUFFIX}"
    try:
        with requests.Session() as http:
            document = get_json(http, url, "discovery", timeout)
    except OIDCError as error:
        return at_cognito, [f"the emulator at {endpoint_url} does not serve {url} ({error.detail}): "
                            "the .env names the pool at Cognito's address"]
    issuer, expected = document.get("issuer"), url[: -len(DISCOVERY_SUFFIX)]
    if issuer == expected:
        return {"OIDC_DISCOVERY_URL": url}, []
    return {"OIDC_DISCOVERY_URL": url}, [
        f"the emulator's discovery document names the issuer {issuer!r}, not {expected}: the app will refuse it "
        "(`flask oidc check` says so) until the emulator names its own address"
    ]
