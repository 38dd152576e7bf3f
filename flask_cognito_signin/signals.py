"""What the extension tells observers, as blinker signals (Flask's own mechanism, flask.signals).

Nothing listens unless the host opts in (METRICS_TOKEN connects flask_cognito_signin.metrics):
a signal without receivers costs one attribute check. The signals carry reason codes, endpoint
kinds and durations, never a token, a code or a user name. Every signal is process-wide, as a
log is: each receiver is called with the sender and keyword arguments.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Every auth event of flask_cognito_signin.events.log_event: sender the event name ("login_failed"),
#: `fields` its fields (reason codes, the provider alias, …).
auth_event = _signals.signal("cognito-signin.auth-event")
#: Every HTTP call to an identity provider: sender the endpoint kind (token, userinfo, jwks,
#: discovery, revoke, alb_key), `seconds` it took, `outcome` "ok" or the error code it ended in.
idp_call = _signals.signal("cognito-signin.idp-call")
#: Every fetch of a provider's discovery document or JWKS, or of a load balancer's public key, checked and
#: ready for use or not: sender "discovery", "jwks" or "alb_key", `outcome` "ok" or the error code.
provider_document_fetched = _signals.signal("cognito-signin.provider-document-fetched")
