"""PayPal: REST webhooks (JSON, SHA256withRSA) and classic IPN (form-encoded, postback) (decision 9).

REST: the signed message is ``<PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook id>|<crc32(body)>``
(CRC32 as unsigned decimal), verified offline with the public key of the certificate at ``PAYPAL-CERT-URL``.
That URL must be https on an allow-listed host; the certificate is downloaded once per URL and container, and
must be within its validity dates, chain to a trusted CA (certifi, or ``PAYPAL_CERT_CA_BUNDLE``) and carry
PayPal's subject CN. The webhook id comes from the secret, never from the request.

IPN: the body is posted back to PayPal prefixed with ``cmd=_notify-validate``; PayPal answers ``VERIFIED`` or
``INVALID``. IPN carries no signature, so it needs no secret.

``requests`` and ``cryptography`` are imported on these paths only (they cost cold-start time).
"""

from __future__ import annotations

import base64
import threading
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from webhook_core import ipn
from webhook_core.errors import (
    ConfigurationError,
    InvalidSignature,
    UnsupportedContentType,
    UntrustedCertificate,
    VerificationUnavailable,
)
from webhook_core.observability import subsegment
from webhook_core.providers._common import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    dig,
    header,
    media_type,
    parse_json_object,
    required_str,
)
from webhook_core.providers.base import Verified, VerifyContext

if TYPE_CHECKING:
    import requests
    from cryptography import x509

AUTH_ALGO = "SHA256withRSA"
CERT_TIMEOUT = (2.0, 3.0)  # connect, read: well inside the validator's 10 s
IPN_TIMEOUT = (2.0, 5.0)
MAX_CERT_BYTES = 64 * 1024
MAX_CACHED_CERTIFICATES = 16
MAX_CHAIN_DEPTH = 6
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_lock = threading.Lock()
_session: requests.Session | None = None
_cert_cache: dict[str, list[x509.Certificate]] = {}
_trust_cache: dict[str, dict[bytes, list[x509.Certificate]]] = {}


def _http() -> requests.Session:
    global _session  # noqa: PLW0603 - one pooled session per container
    if _session is None:
        import requests  # noqa: PLC0415 - PayPal path only

        _session = requests.Session()
    return _session


def reset_caches() -> None:
    """Forget downloaded certificates, trust stores and the HTTP session (tests)."""
    global _session  # noqa: PLW0603
    with _lock:
        _cert_cache.clear()
        _trust_cache.clear()
        _session = None


# --- REST: certificate handling --------------------------------------------------------------------------------------


def check_cert_url(url: str, allowed_hosts: tuple[str, ...]) -> str:
    """The URL when it is https on an allow-listed host; :class:`UntrustedCertificate` otherwise."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise UntrustedCertificate("PAYPAL-CERT-URL is not a valid URL") from exc
    if parts.scheme != "https":
        raise UntrustedCertificate("PAYPAL-CERT-URL is not https")
    if parts.username or parts.password:
        raise UntrustedCertificate("PAYPAL-CERT-URL carries credentials")
    if host not in allowed_hosts:
        raise UntrustedCertificate(f"PAYPAL-CERT-URL host {host!r} is not allow-listed")
    return url


def _trust_store(ca_bundle: str) -> dict[bytes, list[x509.Certificate]]:
    """Trusted CA certificates by DER-encoded subject (certifi unless a bundle is configured)."""
    key = ca_bundle or "certifi"
    if key not in _trust_cache:
        from cryptography import x509  # noqa: PLC0415 - PayPal path only

        if ca_bundle:
            path = ca_bundle
        else:
            import certifi  # noqa: PLC0415

            path = certifi.where()
        with open(path, "rb") as handle:
            certificates = x509.load_pem_x509_certificates(handle.read())
        store: dict[bytes, list[x509.Certificate]] = {}
        for cert in certificates:
            store.setdefault(cert.subject.public_bytes(), []).append(cert)
        _trust_cache[key] = store
    return _trust_cache[key]


def _within_dates(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def _is_ca(cert: x509.Certificate) -> bool:
    from cryptography import x509  # noqa: PLC0415

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature  # noqa: PLC0415

    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, CryptoInvalidSignature):  # name mismatch, unsupported key, bad signature
        return False
    return True


def check_certificate_chain(
    chain: list[x509.Certificate], trust: Mapping[bytes, list[x509.Certificate]], now: datetime
) -> None:
    """The leaf (``chain[0]``) must chain, through the other given certificates, to a trusted CA, all in date."""
    current = chain[0]
    intermediates = chain[1:]
    for _ in range(MAX_CHAIN_DEPTH):
        if not _within_dates(current, now):
            raise UntrustedCertificate("a certificate in the PayPal chain is outside its validity dates")
        issuer_name = current.issuer.public_bytes()
        for anchor in trust.get(issuer_name, []):
            if _within_dates(anchor, now) and _issued_by(current, anchor):
                return
        for candidate in intermediates:
            if candidate.subject.public_bytes() == issuer_name and _is_ca(candidate) and _issued_by(current, candidate):
                current = candidate
                break
        else:
            raise UntrustedCertificate("the PayPal certificate does not chain to a trusted CA")
    raise UntrustedCertificate("the PayPal certificate chain is too long")


def _subject_cn(cert: x509.Certificate) -> str:
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value).lower() if names else ""


def fetch_certificate_chain(url: str, ca_bundle: str) -> list[x509.Certificate]:
    """Download (once per URL) and parse the PEM chain at ``url``; TLS is verified against the same CA set."""
    with _lock:
        cached = _cert_cache.get(url)
    if cached is not None:
        return cached
    import requests  # noqa: PLC0415
    from cryptography import x509  # noqa: PLC0415

    verify: bool | str = ca_bundle or True
    try:
        with (
            subsegment("paypal.download_certificate", host=urlsplit(url).hostname or ""),
            _http().get(url, timeout=CERT_TIMEOUT, verify=verify, allow_redirects=False, stream=True) as response,
        ):
            status = response.status_code
            content = response.raw.read(MAX_CERT_BYTES + 1, decode_content=True) if status == 200 else b""
    except requests.RequestException as exc:
        raise VerificationUnavailable(f"could not download the PayPal certificate: {type(exc).__name__}") from exc
    if 400 <= status < 500:  # not a certificate PayPal serves: a forged or mistyped URL, not an outage
        raise UntrustedCertificate(f"PAYPAL-CERT-URL answered HTTP {status}")
    if status != 200:
        raise VerificationUnavailable(f"PayPal certificate download returned HTTP {status}")
    if len(content) > MAX_CERT_BYTES:
        raise UntrustedCertificate("the PayPal certificate download is too large")
    try:
        chain = x509.load_pem_x509_certificates(content)
    except ValueError as exc:
        raise UntrustedCertificate("PAYPAL-CERT-URL did not return a PEM certificate") from exc
    with _lock:
        while len(_cert_cache) >= MAX_CACHED_CERTIFICATES:  # PayPal rotates rarely; keep the newest few
            _cert_cache.pop(next(iter(_cert_cache)))
        _cert_cache[url] = chain
    return chain


def rest_signed_message(transmission_id: str, transmission_time: str, webhook_id: str, raw: bytes) -> bytes:
    return f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(raw) & 0xFFFFFFFF}".encode()


def _webhook_id(secret: Mapping[str, Any]) -> str:
    value = secret.get("webhook_id")
    if not isinstance(value, str) or not value:
        raise ConfigurationError('paypal secret must be {"webhook_id": "WH-..."}')
    return value


def verify_rest(raw: bytes, headers: Mapping[str, str], ctx: VerifyContext) -> Verified:
    transmission_id = header(headers, "PAYPAL-TRANSMISSION-ID")
    transmission_time = header(headers, "PAYPAL-TRANSMISSION-TIME")
    signature_b64 = header(headers, "PAYPAL-TRANSMISSION-SIG")
    cert_url = header(headers, "PAYPAL-CERT-URL")
    algo = header(headers, "PAYPAL-AUTH-ALGO")
    if algo.lower() != AUTH_ALGO.lower():
        raise InvalidSignature(f"unsupported PAYPAL-AUTH-ALGO {algo!r}")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError as exc:
        raise InvalidSignature("PAYPAL-TRANSMISSION-SIG is not base64") from exc
    webhook_id = _webhook_id(ctx.secret)
    settings = ctx.settings
    check_cert_url(cert_url, settings.paypal_cert_allowed_hosts)

    from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    chain = fetch_certificate_chain(cert_url, settings.paypal_cert_ca_bundle)
    if not chain:
        raise UntrustedCertificate("PAYPAL-CERT-URL returned no certificate")
    leaf = chain[0]
    if _subject_cn(leaf) not in settings.paypal_cert_subject_cns:
        raise UntrustedCertificate(f"certificate subject CN {_subject_cn(leaf)!r} is not PayPal's")
    now = datetime.fromtimestamp(ctx.now, tz=UTC)
    check_certificate_chain(chain, _trust_store(settings.paypal_cert_ca_bundle), now)
    public_key = leaf.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise UntrustedCertificate("the PayPal certificate does not hold an RSA key")
    message = rest_signed_message(transmission_id, transmission_time, webhook_id, raw)
    try:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except CryptoInvalidSignature as exc:
        raise InvalidSignature("PAYPAL-TRANSMISSION-SIG does not match", secret_mismatch=True) from exc
    return Verified(provider="paypal", scheme="paypal-rest", key_index=0)


# --- IPN: postback ---------------------------------------------------------------------------------------------------


def check_ipn_url(url: str) -> str:
    parts = urlsplit(url)
    loopback = (parts.hostname or "") in _LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigurationError("PAYPAL_IPN_VERIFY_URL must be https (http only for a loopback stub)")
    return url


def verify_ipn(raw: bytes, ctx: VerifyContext) -> Verified:
    import requests  # noqa: PLC0415 - PayPal path only

    url = check_ipn_url(ctx.settings.paypal_ipn_verify_url)
    verify: bool | str = ctx.settings.paypal_cert_ca_bundle or True
    body = b"cmd=_notify-validate&" + raw
    try:
        with subsegment("paypal.ipn_postback", host=urlsplit(url).hostname or ""):
            response = _http().post(
                url,
                data=body,
                headers={"Content-Type": FORM_CONTENT_TYPE, "User-Agent": "payment-webhooks-ipn-verifier"},
                timeout=IPN_TIMEOUT,
                verify=verify,
                allow_redirects=False,
            )
    except requests.RequestException as exc:
        raise VerificationUnavailable(f"IPN postback failed: {type(exc).__name__}") from exc
    if response.status_code != 200:
        raise VerificationUnavailable(f"IPN postback returned HTTP {response.status_code}")
    answer = response.text.strip()
    if answer == "VERIFIED":
        return Verified(provider="paypal", scheme="paypal-ipn")
    if answer == "INVALID":
        raise InvalidSignature("PayPal answered INVALID to the IPN postback")
    raise VerificationUnavailable("unexpected IPN postback answer")


# --- plug-in ---------------------------------------------------------------------------------------------------------


class PayPalPlugin:
    name = "paypal"

    def needs_secret(self, content_type: str) -> bool:
        return media_type(content_type) != FORM_CONTENT_TYPE

    def parse_body(self, raw: bytes, content_type: str) -> dict[str, Any]:
        kind = media_type(content_type)
        if kind == FORM_CONTENT_TYPE:
            return ipn.parse_ipn(raw)
        if kind and kind != JSON_CONTENT_TYPE:
            raise UnsupportedContentType(f"expected JSON (REST webhook) or form data (IPN), got {kind}")
        parsed = parse_json_object(raw, content_type)
        required_str(parsed, "event_type")
        return parsed

    def event_id(self, parsed: Mapping[str, Any]) -> str:
        if "event_type" in parsed and "id" in parsed:
            return required_str(parsed, "id")
        if "event_type" in parsed:
            return required_str(parsed, "id")
        return ipn.event_id(parsed)

    def transaction_id(self, parsed: Mapping[str, Any]) -> str:
        return dig(parsed, "resource", "id") or dig(parsed, "txn_id")

    def verify(self, raw: bytes, headers: Mapping[str, str], ctx: VerifyContext) -> Verified:
        if media_type(headers.get("content-type", "")) == FORM_CONTENT_TYPE:
            return verify_ipn(raw, ctx)
        return verify_rest(raw, headers, ctx)


PLUGIN = PayPalPlugin()
