"""The benchmarks' IdP over HTTPS, as Cognito's endpoints are: Debian's nginx in front of the emulator.

The emulator runs on Werkzeug's development server, which closes the connection after every
answer. A relying party that keeps its HTTP connections to the IdP open (this project's app:
one session per provider) and one that opens a new one for every call (Authlib's Flask client
makes an OAuth2Session per token request) would then pay the same; against an HTTPS endpoint
that keeps connections open, the second pays a TLS handshake per sign-in. nginx terminates TLS
with a certificate of a throwaway CA made here, keeps client connections open (its default),
and passes each request on to the emulator in plain HTTP.
"""

from __future__ import annotations

import datetime
import ipaddress
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scripts.processes import start, stop, wait_for_port

NGINX = "/usr/sbin/nginx"


@dataclass(frozen=True)
class Certificates:
    """Files of a throwaway CA and of the certificate it signed for 127.0.0.1 and localhost."""

    ca: Path
    certificate: Path
    key: Path


def write_certificates(folder: Path) -> Certificates:
    """A CA and a server certificate for 127.0.0.1 and localhost, valid for a day, in `folder`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "benchmark CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    names = x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    server = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
              .issuer_name(ca_name).public_key(server_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now).not_valid_after(now + datetime.timedelta(1)).add_extension(names, critical=False)
              .sign(ca_key, hashes.SHA256()))
    files = Certificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    files.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.certificate.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(server_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    return files


@contextmanager
def https_front(work: Path, routes: dict[int, int], certificates: Certificates) -> Iterator[None]:
    """nginx listening with TLS on each key of `routes`, passing to 127.0.0.1 on its value."""
    if shutil.which(NGINX) is None:
        raise SystemExit(f"{NGINX} is missing: apt-get install nginx (`make bench` installs it)")
    folder = work / "https-front"
    (folder / "logs").mkdir(parents=True)
    servers = "\n".join(f"""
        server {{
            listen 127.0.0.1:{public} ssl;
            ssl_certificate {certificates.certificate};
            ssl_certificate_key {certificates.key};
            location / {{
                proxy_pass http://127.0.0.1:{private};
                proxy_set_header Host $http_host;
            }}
        }}""" for public, private in routes.items())
    (folder / "nginx.conf").write_text(f"""
        daemon off;
        worker_processes 1;
        pid {folder}/nginx.pid;
        error_log {folder}/logs/error.log warn;
        events {{}}
        http {{
            access_log off;
            client_body_temp_path {folder}/body;
            proxy_temp_path {folder}/proxy;
            {servers}
        }}""")
    first, *others = routes
    process = start([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")], first, folder / "logs" / "nginx.log")
    try:
        for public in others:
            wait_for_port(public, process=process)
        yield
    finally:
        stop(process)
