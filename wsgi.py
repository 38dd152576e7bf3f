"""WSGI entry point: `gunicorn wsgi:app`. A configuration error ends start-up with its message, not a traceback."""

from app import create_app
from flask_cognito_signin.settings import ConfigError

try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(f"Configuration error, the app did not start. {error}") from None
