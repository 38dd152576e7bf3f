"""The web layer: blueprints by concern, error pages and response headers. Depends on app.oidc and app.sessions."""

from __future__ import annotations

from flask import Flask

from app.authz import identify_request

from . import api, auth, errors, headers, health, json_provider, pages, request
from .csrf import csrf
from .formatting import init_app as init_formatting


def init_app(app: Flask, https: bool) -> None:
    request.init_app(app)
    json_provider.init_app(app)
    csrf.init_app(app)
    for blueprint in (auth.bp, pages.bp, api.bp, health.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    app.before_request(identify_request)  # every route, whichever blueprint it is in
    headers.init_app(app, https)
    init_formatting(app)
