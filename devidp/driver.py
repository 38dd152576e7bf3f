"""Sign in through the emulator's hosted UI without a browser: for load tests, benchmarks and scripts.

It does what a person's browser does: follow the app's redirect to the login page, post
the form with its CSRF token, and come back to the app's callback with the code.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


class SignInFailed(Exception):
    """The hosted UI did not send the browser back with a code; `status` is the HTTP status that came instead."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def submit_login(http: requests.Session, login_page: requests.Response, username: str, password: str) -> str:
    """Post the hosted UI's form shown in `login_page`; the callback URL (with code and state) it redirects to.

    SignInFailed says what the page said instead: the error page of an unregistered callback
    URL, "Incorrect username or password.", the page asking for a new password or a code.
    """
    token, action = _CSRF_FIELD.search(login_page.text), _FORM_ACTION.search(login_page.text)
    if not token or not action:
        raise SignInFailed(f"no hosted-UI login form at {login_page.url} (HTTP {login_page.status_code}): "
                           f"{page_text(login_page.text, login_page.headers.get('Content-Type', ''))}",
                           login_page.status_code)
    answer = http.post(
        urljoin(login_page.url, action.group(1).replace("&amp;", "&")),
        data={"csrf_token": token.group(1), "username": username, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    callback = answer.headers.get("Location", "")
    if answer.status_code != 302 or "code=" not in callback:
        raise SignInFailed(f"the hosted UI answered {answer.status_code} without a code: {_said(http, answer)}",
                           answer.status_code)
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


def page_text(body: str, content_type: str = "text/html") -> str:
    """What a person reads on a page: its headings, paragraphs and list items, one per line (the whole body
    when it is not HTML)."""
    if "html" not in content_type:
        return " ".join(body.split())
    reader = _PageReader()
    reader.feed(body)
    reader.close()
    return "\n".join(reader.lines)


def _said(http: requests.Session, answer: requests.Response) -> str:
    """The hosted UI's answer in words: its page, or the page it redirects to on its own origin, or the
    error of a redirect to the app (never its state)."""
    location = answer.headers.get("Location")
    if not answer.is_redirect or not location:
        return page_text(answer.text, answer.headers.get("Content-Type", ""))
    target = urljoin(answer.url, location)
    if urlsplit(target).netloc == urlsplit(answer.url).netloc:
        page = http.get(target, timeout=10)
        return f"it sent the browser to {urlsplit(target).path}:\n{page_text(page.text, page.headers.get('Content-Type', ''))}"
    query = parse_qs(urlsplit(target).query)
    error = " ".join(f"{name}={query[name][0]}" for name in ("error", "error_description") if name in query)
    return f"it sent the browser back to the app without a code ({error or 'and without an error'})"


class _PageReader(HTMLParser):
    """The text of a page's message elements; the emulator's banner ("not Amazon Cognito") is no message."""

    _BLOCKS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre"})

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._open: list[tuple[str, bool]] = []  # the message elements being read, and whether to keep each
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self._flush()
            classes = (dict(attrs).get("class") or "").split()
            self._open.append((tag, "banner" not in classes))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._flush()
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1][1]:
            self._text.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self._text).split())
        if line:
            self.lines.append(line)
        self._text = []
