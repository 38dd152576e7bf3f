"""The callback's code and state kept out of servers' access logs: a filter on the `werkzeug` and `gunicorn.access`
loggers.

The provider sends the browser back to the callback with the authorization code and the state
in the query string (Cognito developer guide: "Authorize endpoint"), and the access log of
`flask run` (Werkzeug's) prints each request line whole, as does gunicorn's default access log
format. The code is a credential until it is redeemed, and the state names the browser's
pending sign-in: neither belongs in a log. The filter rewrites their values in the record's
arguments, where both servers put the request line, before any handler formats it; everything
else in the line is left as it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from urllib.parse import unquote, unquote_plus, urlsplit

#: Loggers whose records carry request lines: Werkzeug's development server, gunicorn's access log.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
#: The callback's parameters that are secrets.
SECRET_PARAMETERS = frozenset({"code", "state"})
REDACTED = "[redacted]"
#: A request target with a query, as it appears in a request line: up to the space before HTTP/1.1.
_TARGET_WITH_QUERY = re.compile(r"(?P<target>[^\s?]+)\?(?P<query>\S*)")


class CallbackQueryRedactor(logging.Filter):
    """Redacts the secret parameters of a request to one of `callback_paths` in a log record; never drops one.

    A path matches by its end, so an app mounted under a prefix (SCRIPT_NAME) is matched too.
    """

    def __init__(self) -> None:
        super().__init__()
        self.callback_paths: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):  # Werkzeug: '%s - - [%s] "%s" %s %s'
            record.args = tuple(self.redact_line(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.args, MutableMapping):  # gunicorn: its atoms, r (request line), U (path), q (query)
            atoms = record.args
            for name, value in atoms.items():
                if isinstance(value, str):
                    atoms[name] = self.redact_line(value)
            if isinstance(atoms.get("q"), str) and self._is_callback(str(atoms.get("U", ""))):
                atoms["q"] = redact_query(atoms["q"])
        if isinstance(record.msg, str):
            record.msg = self.redact_line(record.msg)
        return True

    def redact_line(self, text: str) -> str:
        """`text` with the secret parameters of every callback URL in it redacted."""
        return _TARGET_WITH_QUERY.sub(self._redact_target, text) if "?" in text else text

    def _redact_target(self, found: re.Match[str]) -> str:
        if not self._is_callback(urlsplit(found["target"]).path):
            return found[0]
        return f"{found['target']}?{redact_query(found['query'])}"

    def _is_callback(self, path: str) -> bool:
        path = unquote(path)
        return any(path.endswith(callback) for callback in self.callback_paths)


def redact_query(query: str) -> str:
    """The query string with each secret parameter's value replaced, its name decoded as the app decodes it."""
    pairs = []
    for pair in query.split("&"):
        name = pair.partition("=")[0]
        pairs.append(f"{name}={REDACTED}" if unquote_plus(name) in SECRET_PARAMETERS else pair)
    return "&".join(pairs)


def keep_out_of_access_logs(callback_path: str) -> None:
    """Install the filter on the access loggers (once per logger), for this app's callback path."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        redactor = next((f for f in logger.filters if isinstance(f, CallbackQueryRedactor)), None)
        if redactor is None:
            redactor = CallbackQueryRedactor()
            logger.addFilter(redactor)
        redactor.callback_paths.add(callback_path)
