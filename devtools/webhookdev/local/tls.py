"""A throwaway local CA, the HTTPS certificate of the PayPal stub, and a PayPal-style message-signing certificate.

Generated fresh for each stack under `.local/tls/` and never committed. The PayPal validator trusts the CA through
`PAYPAL_CERT_CA_BUNDLE`, so it verifies the local signing certificate exactly as it verifies PayPal's in AWS. The
certificates themselves come from :func:`webhookdev.signing.paypal_test_pki`, the same code the tests sign with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webhookdev.signing import PAYPAL_SUBJECT_CN, paypal_test_pki

#: The subject PayPal's webhook signing certificates carry.
PAYPAL_SIGNING_CN = PAYPAL_SUBJECT_CN


@dataclass(frozen=True)
class TlsFiles:
    directory: Path

    @property
    def ca_cert(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.directory / "paypal-stub.pem"

    @property
    def server_key(self) -> Path:
        return self.directory / "paypal-stub-key.pem"

    @property
    def signing_cert(self) -> Path:
        return self.directory / "paypal-signing.pem"

    @property
    def signing_key(self) -> Path:
        return self.directory / "paypal-signing-key.pem"

    def exists(self) -> bool:
        paths = (self.ca_cert, self.server_cert, self.server_key, self.signing_cert, self.signing_key)
        return all(p.exists() for p in paths)


def generate(files: TlsFiles) -> None:
    """Write a fresh CA, the stub's server certificate (localhost, 127.0.0.1) and the signing certificate."""
    files.directory.mkdir(parents=True, exist_ok=True)
    pki = paypal_test_pki(signing_cn=PAYPAL_SIGNING_CN, server_hosts=("localhost", "127.0.0.1"), valid_days=30)
    files.ca_cert.write_bytes(pki.ca_cert_pem)
    files.server_cert.write_bytes(pki.server_cert_pem)
    files.server_key.write_bytes(pki.server_key_pem)
    files.signing_cert.write_bytes(pki.signing_cert_pem)
    files.signing_key.write_bytes(pki.signing_key_pem)
    for private in (files.server_key, files.signing_key):
        private.chmod(0o600)
