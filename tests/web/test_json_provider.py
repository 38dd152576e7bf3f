"""JSON answers come from orjson but keep Flask's rules for what JSON itself lacks."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from flask import jsonify
from markupsafe import Markup


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_values_json_lacks_are_written_as_flask_writes_them(app):
    when = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with app.test_request_context():
        body = jsonify(when=when, price=Decimal("1.10"), id=ident, point=Point(1, 2), html=Markup("<b>x</b>")).json
    assert body == {
        "when": "Thu, 26 Nov 2026 12:00:00 GMT",
        "price": "1.10",
        "id": str(ident),
        "point": {"x": 1, "y": 2},
        "html": "<b>x</b>",
    }


def test_keys_are_sorted_and_the_body_ends_with_a_newline(app):
    with app.test_request_context():
        response = jsonify(b=1, a={"d": 2, "c": 3})
    assert response.mimetype == "application/json"
    assert response.get_data() == b'{"a":{"c":3,"d":2},"b":1}\n'


def test_request_bodies_are_read_back(app):
    assert app.json.loads('{"a": [1, 2]}') == {"a": [1, 2]}
    assert app.json.loads(app.json.dumps({"a": 1})) == {"a": 1}


def test_what_cannot_be_written_is_a_type_error(app):
    with app.test_request_context(), pytest.raises(TypeError):
        jsonify(value=object())
