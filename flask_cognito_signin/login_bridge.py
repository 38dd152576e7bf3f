"""For apps that already use Flask-Login: its `current_user` and `login_required` see who signed in here.

    login_manager = LoginManager(app)
    bridge_flask_login(login_manager)

Flask-Login then loads the user from this extension on each request (a request loader),
sends whoever is not signed in where this extension's own guards would (sign-in and back,
or a 401 on the API), and leaves session protection to the extension: its sessions are
server-side and change id at sign-in, and Flask-Login's checks would write to them. Signing in and out stays with the extension's routes (no login_user/logout_user).
"""

from __future__ import annotations

from typing import Any

from flask_login import LoginManager, UserMixin

from .authz import current_user, unauthenticated_answer


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
    login_manager.request_loader(_signed_in_user)
    login_manager.unauthorized_handler(unauthenticated_answer)


def _signed_in_user(_request: Any) -> SignedInUser | None:
    user = current_user._get_current_object()
    return SignedInUser(user) if user.is_authenticated else None
