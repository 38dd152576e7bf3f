"""Discovery: a failed fetch is answered again during the back-off, not retried by every request."""

from __future__ import annotations

import threading

import pytest
import requests
import responses

from flask_cognito_signin.oidc import Provider, ProviderUnavailable
from flask_cognito_signin.oidc.backoff import RETRY_INTERVAL
from flask_cognito_signin.settings import Settings
from tests.support.clock import Clock
from tests.support.cognito import DISCOVERY_URL, FakeCognito

PATIENCE = 10.0


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def provider(environ, tmp_path, clock) -> Provider:
    return Provider(Settings.from_mapping(environ, tmp_path).provider, timeout=2, clock=clock)


def discovery_fetches(idp: FakeCognito) -> int:
    return sum(call.request.url == DISCOVERY_URL for call in idp.mock.calls)


def discovery_down(idp: FakeCognito) -> None:
    idp.mock.replace(responses.GET, DISCOVERY_URL, body=requests.ConnectionError("refused"))


def test_a_failed_discovery_is_not_fetched_again_until_the_back_off_ends(idp, provider, clock):
    discovery_down(idp)
    for _ in range(5):
        with pytest.raises(ProviderUnavailable):
            provider.metadata()
        clock.advance(RETRY_INTERVAL / 10)
    assert discovery_fetches(idp) == 1
    idp.mock.replace(responses.GET, DISCOVERY_URL, json=idp.document)
    with pytest.raises(ProviderUnavailable, match="not tried again"):
        provider.metadata()
    clock.advance(RETRY_INTERVAL / 2)
    assert provider.metadata().issuer == idp.pool.issuer
    assert discovery_fetches(idp) == 2


def test_concurrent_requests_during_a_failing_discovery_cause_one_fetch(idp, provider):
    callers, entered = 8, threading.Condition()
    count, overlapped = [0], []
    metadata = provider.metadata

    def counting_metadata():
        with entered:
            count[0] += 1
            entered.notify_all()
        return metadata()

    def slow_failure(request):
        with entered:  # every caller asks while this one fetch is under way
            overlapped.append(entered.wait_for(lambda: count[0] >= callers, PATIENCE))
        raise requests.ConnectionError("refused")

    idp.mock.replace(responses.CallbackResponse(responses.GET, DISCOVERY_URL, callback=slow_failure))
    failures: list[Exception] = []

    def ask() -> None:
        try:
            counting_metadata()
        except ProviderUnavailable as error:
            failures.append(error)

    threads = [threading.Thread(target=ask) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE * 2)
    assert len(failures) == callers
    assert overlapped == [True]
    assert discovery_fetches(idp) == 1


@pytest.mark.parametrize("advertised, expected", [(True, True), (False, False), ("true", False), (None, False)])
def test_rfc_9207_support_is_read_from_discovery(idp, provider, advertised, expected):
    if advertised is not None:
        idp.document = {**idp.document, "authorization_response_iss_parameter_supported": advertised}
    assert provider.metadata().authorization_response_iss is expected
