"""Flask CLI commands: `flask cognito provision` sets a user pool up, `flask cognito emulator` runs a local one,
`flask cognito sessions` lists and ends users' sessions, `flask oidc check` diagnoses the set-up."""

from flask import Flask

from . import cognito, oidc


def init_app(app: Flask) -> None:
    """Register the command groups on the app; they work without valid settings too."""
    app.cli.add_command(cognito.group)
    app.cli.add_command(oidc.group)
