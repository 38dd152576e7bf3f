"""``python -m devidp``: run the local Cognito emulator until SIGINT/SIGTERM.

``python -m devidp admin ...`` changes a running one's users instead (admin_cli.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from .admin_cli import main as admin_main
from .app import DEFAULT_DOMAIN_PORT, DEFAULT_HOST, DEFAULT_PORT
from .config import CONFIG_ENV_VAR, ConfigError, load_config
from .keys import KeyFileError
from .server import LoadBalancerOptions, start_server

#: The emulated load balancer's port, as registered in pool.toml's client for it.
DEFAULT_ALB_PORT = 9280


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devidp",
        description="Local Amazon Cognito user-pool emulator (hosted UI and OAuth 2.0/OIDC).",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help="port of the issuer origin: discovery and JWKS (default: %(default)s)",
    )
    parser.add_argument(
        "--domain-port",
        type=int,
        default=DEFAULT_DOMAIN_PORT,
        help="port of the pool domain: hosted UI and /oauth2/* (default: %(default)s)",
    )
    parser.add_argument(
        "--issuer-base-url",
        help="public origin of the issuer (default: the config's, else http://HOST:PORT)",
    )
    parser.add_argument(
        "--domain-url",
        help="public origin of the pool domain (default: the config's, else http://HOST:DOMAIN_PORT)",
    )
    parser.add_argument(
        "--config", help=f"pool TOML file (default: ${CONFIG_ENV_VAR} or devidp/pool.toml)"
    )
    parser.add_argument(
        "--instance-path", help="folder for signing keys (default: Flask's instance folder)"
    )
    parser.add_argument(
        "--alb-target",
        metavar="URL",
        help="also play an Application Load Balancer that signs people in, in front of the app at URL "
        "(e.g. http://127.0.0.1:5000); docs/alb.md",
    )
    parser.add_argument(
        "--alb-port",
        type=int,
        default=DEFAULT_ALB_PORT,
        help="port of the load balancer, reached as http://localhost:PORT (default: %(default)s)",
    )
    parser.add_argument(
        "--alb-client-id",
        help="the load balancer's app client (default: the one whose callback URLs hold its /oauth2/idpresponse)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["admin"]:
        return admin_main(argv[1:])
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # The emulator speaks plain HTTP by design; without this Authlib refuses
    # requests whose Host is not loopback (e.g. from another container).
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        running = start_server(
            load_config(args.config),
            host=args.host,
            port=args.port,
            domain_port=args.domain_port,
            issuer_base_url=args.issuer_base_url,
            domain_url=args.domain_url,
            instance_path=args.instance_path,
            log_requests=True,
            load_balancer=LoadBalancerOptions(args.alb_target, args.alb_port, args.alb_client_id)
            if args.alb_target
            else None,
        )
    except ConfigError as error:
        print(f"devidp: error: {error}", file=sys.stderr)
        return 2
    except (KeyFileError, OSError) as error:
        print(f"devidp: error: {error}", file=sys.stderr)
        return 1
    print(f"devidp: discovery at {running.discovery_url}", flush=True)
    print(f"devidp: hosted UI and OAuth endpoints at {running.domain_url}", flush=True)
    alb = running.load_balancer
    if alb is not None:
        print(f"devidp: load balancer at {alb.public_url}, in front of {alb.target}; the app's settings:\n"
              f"  COGNITO_SIGNIN_MODE=alb APP_BASE_URL={alb.public_url} ALB_ARN={alb.arn}\n"
              f"  ALB_PUBLIC_KEYS_URL={running.alb_public_keys_url} OIDC_CLIENT_ID={alb.client.client_id}\n"
              f"  OIDC_DISCOVERY_URL={running.discovery_url}",
              flush=True)
    stop.wait()
    running.stop()
    print("devidp: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
