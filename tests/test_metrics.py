"""Prometheus metrics at /metrics: off unless METRICS_TOKEN is set, then behind that bearer token,
and every counter and histogram moving when its event happens."""

from __future__ import annotations

import hmac
import json
import subprocess
import sys
import time
from dataclasses import replace

import pytest
import requests
import responses
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from flask_cognito_signin import ConfigError
from flask_cognito_signin.metrics import TimedRequests
from tests.conftest import AuthActions, install_clock, relative
from tests.support.cognito import ALICE, DOMAIN, JWKS_URI
from tests.web.test_bearer import access_token
from tests.web.test_pages import BrokenStore

TOKEN = "metrics-token-" + "m" * 32
TOKEN_ENDPOINT = f"{DOMAIN}/oauth2/token"


@pytest.fixture
def app(make_app):
    return make_app(METRICS_TOKEN=TOKEN)


def scrape(client, authorization: str | None = f"Bearer {TOKEN}"):
    return client.get("/metrics", headers={"Authorization": authorization} if authorization else {})


class Samples:
    """The scraped samples, by name and labels; `delta` says how much one moved since the first scrape.

    Scraped as Prometheus does, by a client of its own without the browser's cookies."""

    def __init__(self, app):
        self.client = app.test_client()
        self.before = self.read()

    def read(self) -> dict[tuple[str, frozenset], float]:
        answer = scrape(self.client)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return {(sample.name, frozenset(sample.labels.items())): sample.value
                for family in text_string_to_metric_families(answer.get_data(as_text=True))
                for sample in family.samples}

    def delta(self, name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return self.read().get(key, 0.0) - self.before.get(key, 0.0)


# The guard -----------------------------------------------------------------------------------------------


def test_without_a_metrics_token_there_is_no_metrics_page_and_no_timing(make_app):
    app = make_app()
    assert app.test_client().get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404
    assert "/metrics" not in {rule.rule for rule in app.url_map.iter_rules()}
    assert not any(isinstance(layer, TimedRequests) for layer in _wsgi_layers(app))


def _wsgi_layers(app):
    layer = app.wsgi_app
    while layer is not None:
        yield layer
        layer = getattr(layer, "wsgi_app", getattr(layer, "app", None))


def test_the_metrics_page_never_opens_to_an_empty_token(app):
    """Whatever registered the view, an app without a token answers 404, even to `Bearer ` and nothing."""
    app.extensions["cognito_signin"] = replace(app.extensions["cognito_signin"],
                                               settings=replace(app.extensions["cognito_signin"].settings,
                                                                metrics_token=None))
    assert scrape(app.test_client(), "Bearer ").status_code == 404


def test_with_a_metrics_token_requests_are_timed(app):
    assert any(isinstance(layer, TimedRequests) for layer in _wsgi_layers(app))


@pytest.mark.parametrize("authorization", [
    pytest.param(None, id="no-token"),
    pytest.param("Bearer " + "x" * len(TOKEN), id="wrong-token"),
    pytest.param("Bearer " + TOKEN[:-1], id="a-prefix"),
    pytest.param("Bearer ", id="empty"),
    pytest.param(f"Basic {TOKEN}", id="not-bearer"),
    pytest.param(TOKEN, id="no-scheme"),
])
def test_the_metrics_page_needs_the_token(client, authorization):
    answer = scrape(client, authorization)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="metrics"')
    assert "cognito_signin" not in answer.get_data(as_text=True)


def test_a_wrong_token_is_told_it_is_invalid(client):
    answer = scrape(client, "Bearer not-the-token")
    assert answer.headers["WWW-Authenticate"] == 'Bearer realm="metrics", error="invalid_token"'
    assert scrape(client, None).headers["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_the_right_token_gets_the_metrics_in_prometheus_text_format(client):
    answer = scrape(client)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == CONTENT_TYPE_LATEST  # text/plain; version=…
    assert answer.headers["Cache-Control"] == "no-store"
    assert "# TYPE cognito_signin_sign_ins_total counter" in answer.get_data(as_text=True)


def test_the_token_is_compared_in_constant_time(client, monkeypatch):
    compared = []
    real = hmac.compare_digest

    def spy(presented, expected):
        compared.append((presented, expected))
        return real(presented, expected)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert scrape(client, "Bearer a-guess").status_code == 401
    assert scrape(client).status_code == 200
    assert compared == [(b"a-guess", TOKEN.encode()), (TOKEN.encode(), TOKEN.encode())]


@pytest.mark.parametrize("token", ["short", "x" * 31, "has spaces in it " + "x" * 32, "é" * 40])
def test_a_weak_or_unsendable_metrics_token_is_refused_at_start_up(make_app, token):
    with pytest.raises(ConfigError, match="METRICS_TOKEN"):
        make_app(METRICS_TOKEN=token)


def test_a_missing_multiprocess_directory_is_refused_at_start_up(make_app, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="PROMETHEUS_MULTIPROC_DIR"):
        make_app(METRICS_TOKEN=TOKEN)


# What is counted ------------------------------------------------------------------------------------------


def test_a_sign_in_counts_its_start_its_success_and_its_calls_to_the_idp(app, client, idp):
    samples = Samples(app)
    AuthActions(client, idp).sign_in()
    assert samples.delta("cognito_signin_sign_in_starts_total", provider="cognito") == 1
    assert samples.delta("cognito_signin_sign_ins_total", provider="cognito") == 1
    assert samples.delta("cognito_signin_idp_request_duration_seconds_count", endpoint="token", outcome="ok") == 1
    assert samples.delta("cognito_signin_provider_document_fetches_total", document="discovery", outcome="ok") == 1
    assert samples.delta("cognito_signin_provider_document_fetches_total", document="jwks", outcome="ok") == 1
    assert samples.delta("cognito_signin_idp_request_duration_seconds_count", endpoint="jwks", outcome="ok") == 1


def test_a_failed_sign_in_counts_its_reason(app, client, idp):
    auth = AuthActions(client, idp)
    samples = Samples(app)
    url = auth.callback_url()
    assert client.get(relative(url)).status_code == 302
    assert client.get(relative(url)).status_code == 400  # the same callback again
    assert samples.delta("cognito_signin_sign_in_failures_total", reason="invalid_callback") == 1


def test_a_refused_code_counts_at_the_idp_call_too(app, client, idp):
    auth = AuthActions(client, idp)
    url = auth.callback_url()
    idp.grants.clear()  # the code is unknown to the IdP: invalid_grant
    samples = Samples(app)
    assert client.get(relative(url)).status_code == 400
    assert samples.delta("cognito_signin_sign_in_failures_total", reason="grant_rejected") == 1
    assert samples.delta("cognito_signin_idp_request_duration_seconds_count", endpoint="token",
                         outcome="grant_rejected") == 1


def test_a_refresh_and_its_failures_are_counted_by_reason(app, client, idp):
    clock = install_clock(app, idp)
    AuthActions(client, idp).sign_in()
    samples = Samples(app)
    clock.advance(3590)
    assert client.get("/api/me").status_code == 200
    assert samples.delta("cognito_signin_refreshes_total", provider="cognito") == 1
    idp.mock.remove(responses.POST, TOKEN_ENDPOINT)
    idp.mock.add(responses.POST, TOKEN_ENDPOINT, body=requests.ConnectionError("down"))
    clock.advance(3590)
    assert client.get("/api/me").status_code == 200  # still valid: kept
    assert samples.delta("cognito_signin_refresh_failures_total", reason="idp_unreachable") == 1
    assert samples.delta("cognito_signin_idp_request_duration_seconds_count", endpoint="token",
                         outcome="idp_unreachable") == 1


def test_a_refresh_the_idp_refuses_is_counted(app, client, idp):
    clock = install_clock(app, idp)
    AuthActions(client, idp).sign_in()
    samples = Samples(app)
    idp.refresh_tokens.clear()
    clock.advance(3590)
    assert client.get("/api/me").status_code == 401
    assert samples.delta("cognito_signin_refresh_failures_total", reason="grant_rejected") == 1
    assert samples.delta("cognito_signin_refreshes_total", provider="cognito") == 0


def test_a_sign_out_and_its_revocation_are_counted(app, client, idp):
    auth = AuthActions(client, idp)
    auth.sign_in()
    samples = Samples(app)
    assert auth.sign_out().status_code == 302
    assert samples.delta("cognito_signin_sign_outs_total", provider="cognito", scope="session") == 1
    assert samples.delta("cognito_signin_idp_request_duration_seconds_count", endpoint="revoke", outcome="ok") == 1


@pytest.mark.parametrize(("changes", "fault"), [
    pytest.param({"exp": int(time.time()) - 600}, "expired", id="expired"),
    pytest.param({"client_id": "someone-else"}, "client", id="client"),
])
def test_refused_bearer_tokens_are_counted_by_fault(app, client, idp, changes, fault):
    samples = Samples(app)
    answer = client.get("/api/me", headers={"Authorization": f"Bearer {access_token(idp, **changes)}"})
    assert answer.status_code == 401
    assert samples.delta("cognito_signin_bearer_refusals_total", fault=fault) == 1


def test_a_jwks_that_cannot_be_fetched_is_counted(app, client, idp):
    idp.mock.replace(responses.GET, JWKS_URI, status=500)
    samples = Samples(app)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {access_token(idp)}"}).status_code == 503
    assert samples.delta("cognito_signin_provider_document_fetches_total", document="jwks",
                         outcome="idp_bad_response") == 1
    assert samples.delta("cognito_signin_bearer_refusals_total", fault="unverifiable") == 1


def test_a_session_store_that_is_down_is_counted(app, client, idp):
    AuthActions(client, idp).sign_in()
    samples = Samples(app)
    app.session_interface.store = BrokenStore()
    app.extensions["cognito_signin"] = replace(app.extensions["cognito_signin"], store=app.session_interface.store)
    assert client.get("/").status_code == 503
    assert samples.delta("cognito_signin_session_store_errors_total", stage="request") == 1


def test_requests_are_timed_by_route_never_by_raw_path(app, client, idp):
    samples = Samples(app)
    client.get("/login/cognito")
    client.get("/login/someone-made-this-up")
    client.get("/no/such/page/" + "x" * 20)
    count = "cognito_signin_http_request_duration_seconds_count"
    assert samples.delta(count, route="/login/<alias>", method="GET", status="302") == 1
    assert samples.delta(count, route="/login/<alias>", method="GET", status="404") == 1
    assert samples.delta(count, route="unmatched", method="GET", status="404") == 1
    text = scrape(client).get_data(as_text=True)
    assert "someone-made-this-up" not in text and "no/such/page" not in text


def test_no_token_code_or_user_name_reaches_a_label(client, idp):
    auth = AuthActions(client, idp)
    url = auth.callback_url()
    client.get(relative(url))
    client.get("/api/me", headers={"Authorization": f"Bearer {access_token(idp, exp=1)}"})
    text = scrape(client).get_data(as_text=True)
    code = dict(part.split("=") for part in url.split("?", 1)[1].split("&"))["code"]
    for secret in (code, ALICE.username, ALICE.email, ALICE.sub, *idp.refresh_tokens):
        assert secret not in text


# Off means off ---------------------------------------------------------------------------------------------

_IMPORTS = """
import json, sys
from app import create_app
app = create_app(json.loads(sys.argv[1]))
app.test_client().get("/healthz")
print(json.dumps(sorted(name for name in sys.modules if name.startswith(("prometheus_client", "flask_cognito_signin.metrics")))))
"""


@pytest.mark.parametrize(("token", "imported"), [(None, False), (TOKEN, True)], ids=["off", "on"])
def test_with_metrics_off_the_app_imports_no_prometheus_module(environ, token, imported):
    settings = {**environ, **({"METRICS_TOKEN": token} if token else {})}
    run = subprocess.run([sys.executable, "-c", _IMPORTS, json.dumps(settings)], capture_output=True, text=True,
                         timeout=60, check=True)
    modules = json.loads(run.stdout.splitlines()[-1])
    assert bool(modules) == imported, modules


def test_metrics_without_prometheus_client_installed_is_a_clear_configuration_error(environ):
    script = ("import json, sys\nsys.modules['prometheus_client'] = None\nfrom app import create_app\n"
              "from flask_cognito_signin import ConfigError\n"
              "try:\n    create_app(json.loads(sys.argv[1]))\nexcept ConfigError as error:\n    print(error)\n")
    run = subprocess.run([sys.executable, "-c", script, json.dumps({**environ, "METRICS_TOKEN": TOKEN})],
                         capture_output=True, text=True, timeout=60, check=True)
    assert "flask-cognito-signin[metrics]" in run.stdout, run.stdout + run.stderr
