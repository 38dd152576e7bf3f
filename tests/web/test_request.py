"""The app's Request parses each distinct Cookie header once, with Werkzeug's own parser."""

from __future__ import annotations

import pytest
from werkzeug.http import parse_cookie

from app.web.request import AppRequest

HEADERS = [
    "",
    "cognito_session=abc.def",
    'a=1; b="quoted \\"value\\""; a=2',
    "theme=dark;;  lang=en ; broken; session=x=y",
]


@pytest.mark.parametrize("header", HEADERS)
def test_cookies_are_what_werkzeug_parses(app, header):
    with app.test_request_context(headers={"Cookie": header} if header else {}) as context:
        assert isinstance(context.request, AppRequest)
        assert context.request.cookies.to_dict(flat=False) == parse_cookie(header).to_dict(flat=False)


def test_one_header_is_parsed_once_for_every_request_that_sends_it(app):
    def cookies_of(header):
        with app.test_request_context(headers={"Cookie": header}) as context:
            return context.request.cookies

    first = cookies_of("cognito_session=one; theme=dark")
    assert cookies_of("cognito_session=one; theme=dark") is first
    assert cookies_of("cognito_session=two; theme=dark")["cognito_session"] == "two"


def test_shared_cookies_cannot_be_changed_by_a_request(app):
    with app.test_request_context(headers={"Cookie": "cognito_session=one"}) as context:
        with pytest.raises(TypeError):
            context.request.cookies["cognito_session"] = "other"  # type: ignore[index]
