"""moto in server mode on 127.0.0.1: plain HTTP for clients, plus HTTPS for ffmpeg.

The functions hand ffmpeg presigned ``https`` URLs and allow it no other protocol, so the
emulator serves the same moto backends over TLS too, with a throwaway certificate for
127.0.0.1 that the functions trust through ``SSL_CERT_FILE``.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

HOST = "127.0.0.1"


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *args: object, **kwargs: object) -> None:  # one line per request
        pass


class MotoServer:
    def __init__(self, folder: Path, port: int = 0) -> None:
        self.folder = folder
        self.port = port
        self._servers: list[BaseWSGIServer] = []
        self._threads: list[threading.Thread] = []
        self.ca_file = folder / "sim-cert.pem"

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}:{self._servers[0].server_port}"

    @property
    def tls_endpoint(self) -> str:
        return f"https://{HOST}:{self._servers[1].server_port}"

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        app = DomainDispatcherApplication(create_backend_app)
        context = tls_context(self.ca_file)
        self._servers = [
            make_server(HOST, self.port, app, threaded=True, request_handler=_QuietHandler),
            make_server(
                HOST, 0, app, threaded=True, request_handler=_QuietHandler, ssl_context=context
            ),
        ]
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, name="moto", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(10)
        self._servers, self._threads = [], []


def tls_context(ca_file: Path) -> ssl.SSLContext:
    """A server context with a throwaway self-signed certificate for 127.0.0.1, written to
    ``ca_file`` for clients to trust (its key goes beside it)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FrameFan cloud-sim")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_file = ca_file.with_suffix(".key")
    ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca_file, key_file)
    return context
