"""What the /error page tells a developer about ``redirect_mismatch``: the URL asked for, those registered, the fix.

Cognito developer guide, "The redirect and authorization endpoint" (and "The logout
endpoint"): a redirect_uri (or logout_uri) that is not registered for the app client is never
redirected to; the browser goes to the domain's ``/error?error=redirect_mismatch&client_id=…``
and Cognito's page says nothing more. The emulator keeps that redirect, its URL and the page's
status exactly, and as a development tool adds words to the page: the URL the browser asked
for, the ones the client has registered, and where to register it.

The URL asked for is kept in this browser's emulator session when the redirect is made, never
read from the /error link, so a crafted link cannot put words of its own on the page. The
registered URLs are the pool's own, for the client the link names.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, session

from .context import current_emulator

#: The session key of the last mismatch this browser met.
_SESSION_KEY = "redirect_mismatch"
#: Longer URLs are cut on the page (and in the session cookie).
_SHOWN_LENGTH = 500
#: Per parameter: what the client registers for it, and its key in the pool file.
_REGISTERED = {
    "redirect_uri": ("callback URLs", "callback_urls"),
    "logout_uri": ("sign-out URLs", "logout_urls"),
}


@dataclass(frozen=True)
class Mismatch:
    client_name: str
    client_id: str
    #: "redirect_uri" or "logout_uri".
    parameter: str
    #: What the browser asked for: None when it sent none, or when this browser's session has no record of it.
    asked: str | None
    registered: tuple[str, ...]
    #: "callback URLs" or "sign-out URLs".
    kind: str
    #: The pool file's key: callback_urls or logout_urls.
    pool_key: str


def remember(parameter: str, asked: str | None) -> None:
    """Keep what this browser asked for (of the client its request names), for the /error page it is sent to."""
    session[_SESSION_KEY] = {
        "parameter": parameter,
        "client_id": request.args.get("client_id", ""),
        "asked": asked[:_SHOWN_LENGTH] if asked is not None else None,
    }


def registered_for(client_id: str | None, parameter: str) -> tuple[str, ...]:
    """The URLs the client registers for `parameter` (none for an unknown client)."""
    client = current_emulator().pool.client(client_id)
    if client is None:
        return ()
    return client.callback_urls if parameter == "redirect_uri" else client.logout_urls


def explain(client_id: str | None) -> Mismatch | None:
    """The mismatch the /error page shows for the client the link names, or None for a client the pool lacks."""
    client = current_emulator().pool.client(client_id)
    if client is None:
        return None
    kept = session.get(_SESSION_KEY)
    ours = isinstance(kept, dict) and kept.get("client_id") == client.client_id
    parameter = kept.get("parameter") if ours and kept.get("parameter") in _REGISTERED else "redirect_uri"
    kind, pool_key = _REGISTERED[parameter]
    return Mismatch(
        client_name=client.name or client.client_id,
        client_id=client.client_id,
        parameter=parameter,
        asked=kept.get("asked") if ours else None,
        registered=registered_for(client.client_id, parameter),
        kind=kind,
        pool_key=pool_key,
    )
