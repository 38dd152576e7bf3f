"""Sign in with Cognito for Flask: an OpenID Connect relying party as a Flask extension.

```python
from flask_cognito_signin import CognitoSignIn, current_user, login_required

signin = CognitoSignIn(app)        # or CognitoSignIn() and, later, signin.init_app(app)
```
"""

from .authz import current_user, fresh_login_required, groups_required, login_required, scopes_required
from .extension import CognitoSignIn
from .settings import ConfigError

#: The distribution's version: pyproject.toml reads it from here (setuptools' `attr:`), the one place it is written.
__version__ = "0.1.0"

__all__ = ["CognitoSignIn", "ConfigError", "__version__", "current_user", "fresh_login_required",
           "groups_required", "login_required", "scopes_required"]
