"""No open redirect: every attack string of mod_auth_openidc's corpus, given as `next`, ends on this app."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import pytest

from flask_cognito_signin.web.return_to import safe_return_to
from tests.conftest import relative
from tests.support.cognito import APP_BASE_URL, REDIRECT_URI

PAYLOADS = (Path(__file__).parent.parent / "data" / "open-redirect-payloads.txt").read_text().split("\n")


def lands_on_this_app(location: str) -> bool:
    """Resolve a Location header the way browsers do: they drop tabs and newlines and read \\ as /."""
    browser_view = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    for candidate in (location, browser_view):
        target = urlsplit(urljoin(REDIRECT_URI, candidate))
        if (target.scheme, target.netloc) != ("https", urlsplit(APP_BASE_URL).netloc):
            return False
    return True


def test_the_corpus_is_complete():
    assert len(PAYLOADS) == 835 and len(set(PAYLOADS)) == 565


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_return_to_never_leaves_the_site(payload):
    assert lands_on_this_app(safe_return_to(payload))


@pytest.mark.parametrize("encoding", ["exact", "raw"])
def test_every_payload_as_next_of_a_real_sign_in_ends_on_this_app(auth, client, idp, encoding):
    escaped = []
    for payload in PAYLOADS:
        query = "next=" + (quote(payload, safe="") if encoding == "exact" else payload.replace("#", "%23"))
        login = client.get("/login", query_string=query)
        callback = idp.authorize(login.headers["Location"])
        location = client.get(relative(callback)).headers["Location"]
        if not lands_on_this_app(location):
            escaped.append((payload, location))
    assert escaped == []


@pytest.mark.parametrize("path", ["/", "/reports", "/reports?id=1&view=full", "/a/b/c#section", "/%2F%2Fexample.com"])
def test_same_site_paths_are_kept(path):
    assert safe_return_to(path) == path


@pytest.mark.parametrize(
    "attack",
    ["//evil.example.com", "https://evil.example.com", "/\\evil.example.com", "\\\\evil.example.com", "/\t/evil.com",
     "javascript:alert(1)", "evil.example.com", "/\u3002evil.com", "", None, "/" + "a" * 3000],
)
def test_everything_else_becomes_the_home_page(attack):
    assert safe_return_to(attack) == "/"
