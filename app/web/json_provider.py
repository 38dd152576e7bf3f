"""Flask's JSON, serialised by orjson.

Every API answer goes through here, and /api/me carries a user's whole set of claims:
orjson writes it several times faster than the json module. Flask's own rules for the
values JSON lacks (HTTP dates, decimals and UUIDs as strings, dataclasses, __html__) are
kept by handing those to Flask's default, and keys stay sorted as Flask sorts them.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Flask
from flask.json.provider import JSONProvider, _default
from werkzeug.wrappers import Response

_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME  # Flask writes dates as HTTP dates, orjson as ISO 8601
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


class OrjsonProvider(JSONProvider):
    mimetype = "application/json"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        body = self._encode(self._prepare_response_obj(args, kwargs))
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)

    def _encode(self, obj: Any) -> bytes:
        option = _OPTIONS | orjson.OPT_INDENT_2 if self._app.debug else _OPTIONS
        return orjson.dumps(obj, default=_default, option=option)


def init_app(app: Flask) -> None:
    app.json = OrjsonProvider(app)
