"""The "Sign in with Cognito" page, an example page only for a Cognito group, and one that needs a recent sign-in."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from flask_cognito_signin.authz import current_user, fresh_login_required, groups_required
from flask_cognito_signin.state import signin_state
from flask_cognito_signin.user_session import current_user_session

bp = Blueprint("pages", __name__)

#: The Cognito group the example admin page is for.
ADMIN_GROUP = "admins"


@bp.get("/")
def index() -> str:
    user_session = current_user_session()
    providers = signin_state().providers.values()
    user = current_user._get_current_object()  # the session's user, or the load balancer's (COGNITO_SIGNIN_MODE=alb)
    return render_template("index.html", user_session=user_session, user=user if user.is_authenticated else None,
                           providers=providers, signed_in_by_load_balancer=g.get("load_balancer") is not None)


@bp.get("/admin")
@groups_required(ADMIN_GROUP)
def admin() -> str:
    return render_template("admin.html", user=current_user, group=ADMIN_GROUP)


@bp.get("/security")
@fresh_login_required
def security() -> str:
    """Where a real app would change a password or an email address: a session left open is not enough."""
    max_age = signin_state().settings.fresh_login_max_age
    return render_template("security.html", user=current_user, max_age=max_age)
