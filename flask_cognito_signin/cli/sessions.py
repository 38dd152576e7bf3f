"""`flask cognito sessions list` and `flask cognito sessions end`: an operator's view of who is signed in here.

`end` does what the session page's "Sign out everywhere" does, for any user: every session of
theirs in this app ends (their next request is signed out), their bearer tokens are refused and
their refresh tokens revoked. With `--global` (the `aws` extra), Cognito's AdminUserGlobalSignOut
also signs the user out at the pool, so that refresh tokens held by other apps die too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

import click
from flask.cli import AppGroup

from ..sessions import StoreUnavailable
from ..settings import ConfigError
from ..sign_out import sign_out_everywhere, signed_in_sessions
from ..state import SignInState, signin_state
from .aws import AWSError, cognito_client, one_line_errors
from .pools import pool_id_in, region_of

group = AppGroup("sessions", help="List this app's signed-in sessions, or end a user's.")


@contextmanager
def _one_line_errors() -> Iterator[None]:
    try:
        yield
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    except (StoreUnavailable, AWSError) as error:
        raise click.ClickException(str(error)) from error


@group.command("list")
@click.option("--user", "username", metavar="NAME", help="Only the sessions of this user name.")
def list_sessions(username: str | None) -> None:
    """Every live session in this app: provider, sub, user name, when signed in, when it ends at the latest."""
    with _one_line_errors():
        sessions = [s for s in signed_in_sessions(signin_state()) if username in (None, s.record.user.username)]
    if not sessions:
        click.echo("No sessions." if username is None else f"No sessions of {username}.")
        return
    click.echo("PROVIDER  SUB  USER  SIGNED IN  ENDS AT THE LATEST")
    for session in sessions:
        user = session.record.user
        click.echo(f"{session.record.provider}  {user.sub}  {user.username}  {_utc(session.signed_in_at)}  "
                   f"{_utc(session.expires_at)}")
    click.echo(f"{len(sessions)} session(s).")


@group.command("end")
@click.option("--user", "username", metavar="NAME", help="The user, by user name (sessions here say whose it is).")
@click.option("--sub", metavar="SUB", help="The user, by subject: for a name that more than one user had.")
@click.option("--provider", "alias", metavar="ALIAS", help="The user's provider  [default: any; with --sub: the first]")
@click.option("--global", "at_the_pool", is_flag=True,
              help="Also AdminUserGlobalSignOut at the Cognito user pool (needs --user, AWS credentials, the aws extra).")
def end_sessions(username: str | None, sub: str | None, alias: str | None, at_the_pool: bool) -> None:
    """End every session of one user in this app, on every device, as "Sign out everywhere" does."""
    if not username and not sub:
        raise click.UsageError("Name the user: --user NAME or --sub SUB.")
    if at_the_pool and not username:
        raise click.UsageError("--global needs --user NAME: the user pool knows its users by name.")
    with _one_line_errors():
        state = signin_state()
        if alias is not None and alias not in state.providers:
            raise click.BadParameter(f"no provider is called {alias!r}", param_hint="'--provider'")
        for provider, subject in _users(state, username, sub, alias):
            ended = sign_out_everywhere(state, provider, subject)
            click.echo(f"ended {len(ended)} session(s) of {username or subject} ({provider} sub {subject}) here")
        if at_the_pool:
            _sign_out_at_the_pool(state, alias or next(iter(state.providers)), username)


def _users(state: SignInState, username: str | None, sub: str | None, alias: str | None) -> list[tuple[str, str]]:
    """(provider, sub) of the user named. A name may have belonged to another user before (Cognito
    lets a deleted user's name be taken again), so one that names several subjects is refused."""
    if sub:
        return [(alias or next(iter(state.providers)), sub)]
    found = sorted({(s.record.provider, s.record.user.sub) for s in signed_in_sessions(state)
                    if s.record.user.username == username and alias in (None, s.record.provider)})
    if len(found) > 1:
        subjects = ", ".join(f"{provider} sub {subject}" for provider, subject in found)
        raise click.UsageError(f"{username} names more than one user here ({subjects}): pass --sub (and --provider).")
    if not found:
        click.echo(f"no session of {username} here")
    return found


def _sign_out_at_the_pool(state: SignInState, alias: str, username: str) -> None:
    """AdminUserGlobalSignOut (Cognito API reference): the user's refresh tokens stop working, and
    with them the access and ID tokens they issued, wherever the user signed in."""
    pool_id = pool_id_in(state.providers[alias].settings.issuer)
    if pool_id is None:
        raise click.ClickException(f"provider {alias!r} is not a Cognito user pool: --global cannot sign out there")
    cognito = cognito_client(region_of(pool_id))
    with one_line_errors():
        cognito.admin_user_global_sign_out(UserPoolId=pool_id, Username=username)
    click.echo(f"signed {username} out at user pool {pool_id} (AdminUserGlobalSignOut): "
               "its refresh tokens no longer work")


def _utc(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
