"""``python -m devidp admin ...``: change a running emulator's users through its admin HTTP API.

Examples::

    python -m devidp admin list
    python -m devidp admin add alice --email alice@example.com --group readers
    python -m devidp admin disable alice
    python -m devidp admin global-sign-out alice
    python -m devidp admin set-groups alice admins readers

Passwords are asked for at a prompt (or read from ``--password-stdin``), never taken
as arguments, where other local users could read them in the process list.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

import requests

ADMIN_URL_ENV_VAR = "DEVIDP_ADMIN_URL"
DEFAULT_ADMIN_URL = "http://127.0.0.1:9229"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devidp admin",
        description="Change the users of a running local Cognito emulator.",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get(ADMIN_URL_ENV_VAR, DEFAULT_ADMIN_URL),
        help=f"the emulator's issuer origin (default: ${ADMIN_URL_ENV_VAR} or %(default)s)",
    )
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="list the users")
    add = commands.add_parser("add", help="add a user (asks for the password)")
    add.add_argument("username", nargs="?", help="omit in pools that sign in with email")
    add.add_argument("--email")
    add.add_argument("--email-verified", action="store_true")
    add.add_argument("--group", action="append", default=[], dest="groups")
    add.add_argument("--temporary", action="store_true",
                     help="FORCE_CHANGE_PASSWORD: a new password is asked at first sign-in")
    for name, text in (
        ("show", "show a user"),
        ("disable", "disable a user: no sign-in, its refresh tokens stop working"),
        ("enable", "enable a disabled user"),
        ("global-sign-out", "revoke the user's refresh tokens and their tokens (AdminUserGlobalSignOut)"),
        ("delete", "delete a user and revoke its tokens"),
    ):
        commands.add_parser(name, help=text).add_argument("name", help="user name (or email)")
    password = commands.add_parser("set-password", help="set a user's password (asks for it)")
    password.add_argument("name", help="user name (or email)")
    password.add_argument("--temporary", action="store_true",
                          help="FORCE_CHANGE_PASSWORD: a new password is asked at next sign-in")
    groups = commands.add_parser("set-groups", help="set a user's groups (none: no group)")
    groups.add_argument("name", help="user name (or email)")
    groups.add_argument("groups", nargs="*")
    return parser


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("Password: ")


def _request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """The method, path and JSON body for the command."""
    user = f"/users/{requests.utils.quote(getattr(args, 'name', '') or '', safe='')}"
    match args.command:
        case "list":
            return "GET", "/users", None
        case "show":
            return "GET", user, None
        case "add":
            body = {"password": _password(args), "groups": args.groups}
            body.update({k: v for k, v in (("username", args.username), ("email", args.email)) if v})
            if args.email_verified:
                body["email_verified"] = True
            if args.temporary:
                body["status"] = "FORCE_CHANGE_PASSWORD"
            return "POST", "/users", body
        case "disable" | "enable" | "global-sign-out":
            return "POST", f"{user}/{args.command}", {}
        case "delete":
            return "DELETE", user, None
        case "set-password":
            return "PUT", f"{user}/password", {
                "password": _password(args), "permanent": not args.temporary
            }
        case "set-groups":
            return "PUT", f"{user}/groups", {"groups": args.groups}
    raise AssertionError(args.command)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    method, path, body = _request(args)
    try:
        response = requests.request(
            method, args.url.rstrip("/") + "/_admin" + path, json=body, timeout=10
        )
    except requests.RequestException as error:
        print(f"devidp admin: cannot reach the emulator at {args.url}: {error}", file=sys.stderr)
        return 1
    if response.status_code >= 400:
        try:
            detail = response.json().get("error_description") or response.json().get("error")
        except ValueError:
            detail = response.text[:200]
        print(f"devidp admin: error {response.status_code}: {detail}", file=sys.stderr)
        return 1
    if response.content:
        print(json.dumps(response.json(), indent=2))
    return 0
