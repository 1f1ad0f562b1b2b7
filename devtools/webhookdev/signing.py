"""Sign webhooks exactly as each provider does, for tests, ``webhookctl send`` and the local stack.

Written from the providers' documentation, independently of ``webhook_core.providers`` (the verifiers), so that a
test pairing the two checks the scheme rather than agreeing with itself:

* Stripe: ``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`` (one ``v1`` per secret).
* Square: ``x-square-hmacsha256-signature: base64(HMAC-SHA256(key, notification_url + body))``.
* PayPal REST: ``PAYPAL-TRANSMISSION-SIG: base64(RSA-PKCS1v15-SHA256(key, "<id>|<time>|<webhook_id>|<crc32>"))``,
  the CRC32 of the body in unsigned decimal, plus the certificate URL and algorithm headers. :func:`paypal_test_pki`
  makes a local CA, a signing certificate (PayPal's subject CN) and a TLS certificate for serving it.
* PayPal IPN: not signed; the receiver posts the body back to PayPal.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import time
import uuid
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

PAYPAL_SUBJECT_CN = "messageverificationcerts.paypal.com"


# --- Stripe ----------------------------------------------------------------------------------------------------------


def stripe_v1_signature(payload: bytes, secret: str, timestamp: int) -> str:
    """Hex HMAC-SHA256 keyed with the whole ``whsec_...`` string over ``"<timestamp>.<payload>"``."""
    signed = str(timestamp).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def stripe_signature_header(
    payload: bytes,
    secret: str,
    timestamp: int | None = None,
    *extra_secrets: str,
    extra_elements: Sequence[str] = (),
) -> str:
    """The ``Stripe-Signature`` header value: ``t=...,v1=...`` with one ``v1`` per secret.

    ``extra_secrets`` adds more ``v1`` values, as Stripe does while an endpoint secret is being rolled;
    ``extra_elements`` appends raw elements (e.g. ``"v0=..."``), which receivers must ignore.
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    parts = [f"t={ts}"] + [f"v1={stripe_v1_signature(payload, s, ts)}" for s in (secret, *extra_secrets)]
    parts.extend(extra_elements)
    return ",".join(parts)


# --- Square ----------------------------------------------------------------------------------------------------------


def square_signature(payload: bytes, key: str, notification_url: str) -> str:
    """``x-square-hmacsha256-signature``: base64 HMAC-SHA256 over the notification URL followed by the body."""
    digest = hmac.new(key.encode(), notification_url.encode() + payload, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


# --- PayPal REST -----------------------------------------------------------------------------------------------------


def paypal_signed_message(transmission_id: str, transmission_time: str, webhook_id: str, payload: bytes) -> bytes:
    """``<transmission id>|<transmission time>|<webhook id>|<CRC32 of the body, unsigned decimal>``."""
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(payload) & 0xFFFFFFFF}".encode()


@functools.lru_cache(maxsize=8)
def _rsa_signing_key(signing_key_pem: bytes) -> rsa.RSAPrivateKey:
    """Parse a PEM key once: loading checks the RSA key's consistency, which costs ~100x the signature itself (a
    load generator signing every PayPal request would otherwise spend most of its CPU here)."""
    key = serialization.load_pem_private_key(signing_key_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("PayPal signs with RSA keys")
    return key


def paypal_transmission_headers(
    payload: bytes,
    webhook_id: str,
    cert_url: str,
    signing_key_pem: bytes,
    *,
    transmission_id: str | None = None,
    transmission_time: str | None = None,
) -> dict[str, str]:
    """The headers PayPal sends with a REST webhook, signed SHA256withRSA with ``signing_key_pem``."""
    key = _rsa_signing_key(signing_key_pem)
    tid = transmission_id or str(uuid.uuid4())
    ttime = transmission_time or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.sign(paypal_signed_message(tid, ttime, webhook_id, payload), padding.PKCS1v15(), hashes.SHA256())
    return {
        "PAYPAL-TRANSMISSION-ID": tid,
        "PAYPAL-TRANSMISSION-TIME": ttime,
        "PAYPAL-TRANSMISSION-SIG": base64.b64encode(signature).decode(),
        "PAYPAL-CERT-URL": cert_url,
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    }


@dataclass(frozen=True)
class PayPalTestPKI:
    """A local CA, PayPal-like signing certificate and key, and a TLS server certificate (all PEM)."""

    ca_cert_pem: bytes
    ca_key_pem: bytes
    signing_cert_pem: bytes
    signing_key_pem: bytes
    server_cert_pem: bytes
    server_key_pem: bytes

    def write(self, directory: Path) -> dict[str, Path]:
        """Write every PEM into ``directory`` (keys 0600); returns name -> path."""
        directory.mkdir(parents=True, exist_ok=True)
        out: dict[str, Path] = {}
        for name in ("ca_cert", "ca_key", "signing_cert", "signing_key", "server_cert", "server_key"):
            path = directory / f"{name.replace('_', '-')}.pem"
            path.write_bytes(getattr(self, f"{name}_pem"))
            if name.endswith("key"):
                path.chmod(0o600)
            out[name] = path
        return out


def paypal_test_pki(
    *,
    signing_cn: str = PAYPAL_SUBJECT_CN,
    server_hosts: Iterable[str] = ("localhost", "127.0.0.1"),
    valid_from: datetime | None = None,
    valid_days: int = 365,
    key_size: int = 2048,
) -> PayPalTestPKI:
    """Generate a throw-away CA, a signing cert with ``signing_cn`` and a TLS cert for ``server_hosts``."""
    start = (valid_from or datetime.now(UTC)) - timedelta(minutes=5)
    end = start + timedelta(days=valid_days)

    def new_key() -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=key_size)

    def pem_key(key: rsa.RSAPrivateKey) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    ca_key = new_key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "payment-webhooks local test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(key: rsa.RSAPrivateKey, cn: str, sans: list[x509.GeneralName], server: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH] if server else [ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        return builder.sign(ca_key, hashes.SHA256())

    signing_key = new_key()
    signing_cert = leaf(signing_key, signing_cn, [x509.DNSName(signing_cn)], server=False)
    hosts = list(server_hosts)
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    server_key = new_key()
    server_cert = leaf(server_key, hosts[0] if hosts else "localhost", sans, server=True)

    pem = serialization.Encoding.PEM
    return PayPalTestPKI(
        ca_cert_pem=ca_cert.public_bytes(pem),
        ca_key_pem=pem_key(ca_key),
        signing_cert_pem=signing_cert.public_bytes(pem),
        signing_key_pem=pem_key(signing_key),
        server_cert_pem=server_cert.public_bytes(pem),
        server_key_pem=pem_key(server_key),
    )
