"""The load balancer's key endpoint on `responses`, its key, and a hand-moved clock, for the ALB's unit tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import responses

from flask_cognito_signin.alb.public_keys import LoadBalancerKeys
from tests.support.alb import KEYS_URL, ALBKey, KeyEndpoint
from tests.support.clock import Clock


@pytest.fixture(scope="session")
def alb_key() -> ALBKey:
    return ALBKey()


@pytest.fixture
def key_endpoint(alb_key: ALBKey) -> Iterator[KeyEndpoint]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield KeyEndpoint(mock, alb_key)


@pytest.fixture
def clock() -> Clock:
    return Clock(float(int(time.time())))  # whole seconds, as exp is


@pytest.fixture
def keys(key_endpoint: KeyEndpoint, clock: Clock) -> LoadBalancerKeys:
    return LoadBalancerKeys(KEYS_URL, 5.0, clock)
