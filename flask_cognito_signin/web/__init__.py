"""The extension's web layer: the sign-in blueprint, its error answers and headers. Depends on oidc/ and sessions/."""
