"""Home realm discovery: which provider signs in the owner of an email address.

A SaaS app gives each tenant a user pool of its own, and a tenant's users know their address,
not their pool. A providers file names each tenant's domains (`email_domains`); the sign-in
page asks for the address and /login?login_hint=<address> starts the sign-in at the pool of
its domain, passing the address on (OIDC Core 3.1.2.1 login_hint) for its sign-in page.
"""

from __future__ import annotations

from collections.abc import Collection

from flask_cognito_signin.oidc import Provider

#: RFC 5321 4.5.3.1.3: a path is at most 256 octets, its angle brackets included.
MAX_ADDRESS_LENGTH = 254


def usable_hint(hint: str) -> bool:
    """Whether `hint` may be passed on to a provider: no longer than an address, printable."""
    return len(hint) <= MAX_ADDRESS_LENGTH and hint.isprintable()


def provider_for_address(providers: Collection[Provider], hint: str) -> Provider | str:
    """The provider whose email_domains hold the domain of `hint` (the only one, if there is only one),
    else why none is: a sentence for the person who typed it."""
    _, at, domain = hint.rpartition("@")
    found = next((p for p in providers if domain.lower() in p.settings.email_domains), None) if at else None
    if found is not None:
        return found
    if len(providers) == 1:
        return next(iter(providers))
    if not at:
        return "Enter your email address: it tells which organisation you sign in with."
    return f"No organisation signs in here with addresses at {domain}: check the address."
