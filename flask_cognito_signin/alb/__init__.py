"""Signed in by the load balancer (COGNITO_SIGNIN_MODE=alb): an Application Load Balancer's listener rule
(authenticate-cognito) signs people in, and each request it forwards says who in x-amzn-oidc-* headers.

Anyone who reaches the app without passing the ALB can send those headers too, so nothing of
them is believed before it is verified: public_keys fetches the ALB's keys, user_claims checks
x-amzn-oidc-data, signed_in makes the User of a request from it and the forwarded access token.
No Flask request globals here; authz and web/load_balancer are the Flask side.
"""

from .signed_in import LoadBalancerIdentity, LoadBalancerSignIn
from .user_claims import ALBClaimsRefused, ALBKeysUnavailable

__all__ = ["ALBClaimsRefused", "ALBKeysUnavailable", "LoadBalancerIdentity", "LoadBalancerSignIn"]
