"""Sign in with Cognito for Flask: an OpenID Connect relying party as a Flask extension.

    from flask_cognito_signin import CognitoSignIn, current_user, login_required

    signin = CognitoSignIn(app)        # or CognitoSignIn() and, later, signin.init_app(app)
"""

from .authz import current_user, fresh_login_required, groups_required, login_required, scopes_required
from .extension import CognitoSignIn
from .settings import ConfigError

__all__ = ["CognitoSignIn", "ConfigError", "current_user", "fresh_login_required", "groups_required", "login_required",
           "scopes_required"]
