"""The example app's pages and what it opts in to: the session page, /admin, /api/me, health, orjson answers."""

from __future__ import annotations

from flask import Flask

from . import api, errors, health, json_provider, pages, request
from .formatting import init_app as init_formatting


def init_app(app: Flask) -> None:
    request.init_app(app)
    json_provider.init_app(app)
    for blueprint in (pages.bp, api.bp, health.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    init_formatting(app)
