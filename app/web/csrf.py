"""CSRF protection for every form POST (Flask-WTF): a per-session token, checked before the view runs."""

from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
