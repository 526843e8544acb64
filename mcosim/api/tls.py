"""A self-signed serving certificate for the HTTPS listener, made at start with the `openssl` CLI.

kubectl sends a kubeconfig's bearer token only over TLS, so service-account tokens need HTTPS.
The certificate is its own CA (kubeconfigs carry it as certificate-authority-data) and is valid for
127.0.0.1, ::1 and localhost.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class TlsUnavailable(RuntimeError):
    pass


@dataclass(frozen=True)
class ServingCert:
    cert_pem: bytes
    key_pem: bytes

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        with tempfile.TemporaryDirectory(prefix="mcosim-tls-") as tmp:
            cert, key = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
            cert.write_bytes(self.cert_pem)
            key.write_bytes(self.key_pem)
            key.chmod(0o600)
            context.load_cert_chain(cert, key)
        return context


def generate(common_name: str = "mcosim") -> ServingCert:
    """An EC P-256 key and a one-year self-signed certificate; TlsUnavailable without openssl."""
    binary = shutil.which("openssl")
    if binary is None:
        raise TlsUnavailable("the openssl command is needed to serve HTTPS (Debian package: openssl)")
    with tempfile.TemporaryDirectory(prefix="mcosim-tls-") as tmp:
        cert, key = Path(tmp) / "tls.crt", Path(tmp) / "tls.key"
        command = [
            binary, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "365", "-subj", f"/CN={common_name}", "-keyout", str(key), "-out", str(cert),
            "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise TlsUnavailable(f"openssl could not make a certificate: {done.stderr.strip()[:300]}")
        return ServingCert(cert.read_bytes(), key.read_bytes())
