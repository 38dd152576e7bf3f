"""The plugin's fixtures, as an installed package gets them from its pytest11 entry point.

Imported here rather than loaded with `-p`: a plugin loads before coverage starts, and the
whole package would count as never run (tests/e2e/test_foreign_host.py proves the entry point).
"""

from flask_cognito_signin.pytest_plugin import cognito_emulator, cognito_pool  # noqa: F401
