"""`flask oidc check`: is this app's OpenID Connect set-up right? A report, and exit code 0 only if so."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..settings import ConfigError
from ..state import signin_state
from .check import check_provider
from .findings import Finding, fail

group = AppGroup("oidc", help="OpenID Connect set-up of this app.")

_COLOURS = {"ok": "green", "FAIL": "red", "note": "yellow", "SKIP": "yellow"}


@group.command("check")
@click.pass_context
def check(context: click.Context) -> None:
    """Import each provider's configuration and say what is wrong with it.

    Fetches the discovery document and the JWKS, asks the token endpoint whether it accepts
    the client credentials and (for a Cognito pool, or the emulator) the authorize endpoint
    whether the callback URL is registered, prints the URLs to register, and, with boto3 and
    AWS credentials, compares the Cognito app client's settings with this app's (SKIPPED
    otherwise). Exits with 1 when anything failed, 0 when everything that could be checked passed.
    """
    try:
        state = signin_state()
    except ConfigError as error:
        findings = [fail(f"setting: {problem}") for problem in error.problems]
        _print(findings)
    else:
        settings = state.settings
        findings = []
        for provider in state.providers.values():
            click.echo(f"Provider {provider.alias} ({provider.settings.label})")
            provider_findings = check_provider(provider, settings)
            _print(provider_findings)
            findings += provider_findings
    failures, skipped = sum(finding.failed for finding in findings), sum(finding.skipped for finding in findings)
    if failures:
        click.echo(f"{failures} check(s) failed.")
    else:
        click.echo("All checks passed" + (f" ({skipped} part(s) skipped)." if skipped else "."))
    context.exit(1 if failures else 0)


def _print(findings: list[Finding]) -> None:
    for finding in findings:
        click.echo(click.style(f"{finding.status:<4}", fg=_COLOURS.get(finding.status)) + f"  {finding.text}")
