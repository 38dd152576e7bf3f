"""Sign in through the emulator's hosted UI without a browser: for load tests, benchmarks and scripts.

It does what a person's browser does: follow the app's redirect to the login page, post
the form with its CSRF token, and come back to the app's callback with the code.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests

_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


class SignInFailed(Exception):
    """The hosted UI did not send the browser back with a code; `status` is the HTTP status that came instead."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def submit_login(http: requests.Session, login_page: requests.Response, username: str, password: str) -> str:
    """Post the hosted UI's form shown in `login_page`; the callback URL (with code and state) it redirects to."""
    token, action = _CSRF_FIELD.search(login_page.text), _FORM_ACTION.search(login_page.text)
    if not token or not action:
        raise SignInFailed(f"no hosted-UI login form at {login_page.url} (HTTP {login_page.status_code})",
                           login_page.status_code)
    answer = http.post(
        urljoin(login_page.url, action.group(1).replace("&amp;", "&")),
        data={"csrf_token": token.group(1), "username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    callback = answer.headers.get("Location", "")
    if answer.status_code != 302 or "code=" not in callback:
        raise SignInFailed(f"the hosted UI answered {answer.status_code} without a code", answer.status_code)
    return callback


def sign_in(
    http: requests.Session, start_url: str, username: str, password: str, *, callback_base: str | None = None
) -> requests.Response:
    """Sign in from `start_url` (the app's /login or a protected page); the app's answer to the callback.

    `callback_base` sends the callback to another origin than the one registered (a second
    instance behind the same load balancer, say).
    """
    callback = submit_login(http, http.get(start_url, timeout=10), username, password)
    if callback_base:
        callback = callback_base + callback[callback.index("/oauth/v2/callback"):]
    return http.get(callback, allow_redirects=False, timeout=10)
