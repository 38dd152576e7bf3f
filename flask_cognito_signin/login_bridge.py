"""For apps that already use Flask-Login: its `current_user` and `login_required` see who signed in here.

```python
login_manager = LoginManager(app)
bridge_flask_login(login_manager)
```

Flask-Login then takes its user from this extension on every request, sends whoever is not
signed in where this extension's own guards would (sign-in and back, or a 401 on the API), and
leaves session protection to the extension: its sessions are server-side and change id at
sign-in, and Flask-Login's checks would write to them. Signing in and out stays with the
extension's routes (no login_user/logout_user), so Flask-Login's own sources of a user, its
session keys and its `remember_token` cookie, are never read. As with `login_required`, a
view guarded by Flask-Login is for people: a machine client (a client_credentials token) gets 403.
"""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager, UserMixin
from werkzeug.wrappers import Response

from .authz import caller_refused, current_user, unauthenticated_answer


class SignedInUser(UserMixin):
    """The extension's user (or machine client) as Flask-Login expects one; every other attribute is the user's."""

    def __init__(self, user: Any):
        self.user = user

    def get_id(self) -> str:
        return self.user.sub

    def __getattr__(self, name: str) -> Any:
        return getattr(self.user, name)


def bridge_flask_login(login_manager: LoginManager) -> None:
    login_manager.session_protection = None
    login_manager.request_loader(_signed_in_user)  # for Flask-Login's checks that a loader exists
    login_manager.unauthorized_handler(_unauthorized)
    # Flask-Login asks its request loader only when the request has no `remember_token` cookie
    # (flask-login PR #901): one left from before the bridge, or tossed in from a sibling
    # subdomain, would show a signed-in user as signed out. Its loading is replaced instead, with
    # the method it uses itself to set the request's user (Flask-Login 0.6).
    login_manager._load_user = lambda: login_manager._update_request_context_with_user(_signed_in_user(None))


def _signed_in_user(_request: Any) -> SignedInUser | None:
    user = current_user._get_current_object()
    return SignedInUser(user) if user.is_authenticated and not user.is_client else None


def _unauthorized() -> Response:
    """Whom Flask-Login's guard turns away: nobody signed in (sign in and back, or 401), or a machine client (403)."""
    refusal = caller_refused(clients=False)
    return refusal if refusal is not None else unauthenticated_answer()
