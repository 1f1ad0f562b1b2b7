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
import re
import threading
import time
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from webhook_core import ipn
from webhook_core.config import PAYPAL_TRANSMISSION_FUTURE_SKEW_SECONDS, Settings
from webhook_core.errors import (
    ConfigurationError,
    ForeignReceiver,
    InvalidSignature,
    StaleTimestamp,
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
MAX_CERT_URL_CHARS = 512
# Refused certificate URLs are remembered this long, so repeating a forged URL costs no download.
NEGATIVE_CACHE_SECONDS = 300.0
MAX_NEGATIVE_CACHE = 256
MAX_TRANSMISSION_HEADER_CHARS = 256
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# RFC 3986 unreserved, reserved and percent characters: no whitespace, no control characters, ASCII only.
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_TRANSMISSION_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,15}(?:Z|[+-][0-9]{2}:?[0-9]{2})")

_lock = threading.Lock()
_session: requests.Session | None = None
_cert_cache: dict[str, list[x509.Certificate]] = {}
_refused: dict[str, tuple[float, str]] = {}  # canonical URL -> (monotonic time, reason)
download_count = 0  # certificate downloads attempted by this container (tests, metrics)
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
        _refused.clear()
        _session = None


# --- REST: certificate handling --------------------------------------------------------------------------------------


def check_cert_url(url: str, allowed_hosts: tuple[str, ...]) -> str:
    """The canonical form (``https://host/path``) of an acceptable certificate URL; :class:`UntrustedCertificate`
    otherwise.

    Accepted: https, an allow-listed host, port 443 (any port only for an allow-listed loopback host, the local
    stub), no userinfo, query or fragment, and no whitespace or control character anywhere (``urlsplit`` silently
    drops tabs and newlines, so they are refused before it runs). The certificate is cached under this canonical URL.
    """
    if len(url) > MAX_CERT_URL_CHARS or not _URL_CHARS.fullmatch(url):
        raise UntrustedCertificate("PAYPAL-CERT-URL has characters a URL may not carry")
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError as exc:
        raise UntrustedCertificate("PAYPAL-CERT-URL is not a valid URL") from exc
    if parts.scheme != "https":
        raise UntrustedCertificate("PAYPAL-CERT-URL is not https")
    if "@" in parts.netloc:
        raise UntrustedCertificate("PAYPAL-CERT-URL carries credentials")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise UntrustedCertificate("PAYPAL-CERT-URL carries a query or fragment")
    if host not in allowed_hosts:
        raise UntrustedCertificate("PAYPAL-CERT-URL host is not allow-listed")
    loopback = host in _LOOPBACK_HOSTS
    if port not in (None, 443) and not loopback:
        raise UntrustedCertificate("PAYPAL-CERT-URL is not on port 443")
    path = parts.path or "/"
    if not path.startswith("/") or "/../" in f"{path}/" or "/./" in f"{path}/":
        raise UntrustedCertificate("PAYPAL-CERT-URL path is not canonical")
    netloc = host if port in (None, 443) else f"{host}:{port}"
    return f"https://{netloc}{path}"


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


def _refuse(url: str, reason: str) -> UntrustedCertificate:
    with _lock:
        while len(_refused) >= MAX_NEGATIVE_CACHE:
            _refused.pop(next(iter(_refused)))
        _refused[url] = (time.monotonic(), reason)
    return UntrustedCertificate(reason)


def fetch_certificate_chain(url: str, ca_bundle: str) -> list[x509.Certificate]:
    """Download (once per canonical URL) and parse the PEM chain at ``url``; TLS is verified against the same CAs.

    A URL that answered with something other than a certificate (3xx, 4xx, not PEM, too large) is refused again
    without a download for :data:`NEGATIVE_CACHE_SECONDS`; a 5xx or a network error is an outage (503, retried).
    """
    global download_count  # noqa: PLW0603 - a per-container counter
    with _lock:
        cached = _cert_cache.get(url)
        refused = _refused.get(url)
    if cached is not None:
        return cached
    if refused is not None and time.monotonic() - refused[0] < NEGATIVE_CACHE_SECONDS:
        raise UntrustedCertificate(refused[1])
    import requests  # noqa: PLC0415
    from cryptography import x509  # noqa: PLC0415

    verify: bool | str = ca_bundle or True
    download_count += 1
    try:
        with (
            subsegment("paypal.download_certificate", host=urlsplit(url).hostname or ""),
            _http().get(url, timeout=CERT_TIMEOUT, verify=verify, allow_redirects=False, stream=True) as response,
        ):
            status = response.status_code
            content = response.raw.read(MAX_CERT_BYTES + 1, decode_content=True) if status == 200 else b""
    except requests.exceptions.InvalidURL as exc:
        raise _refuse(url, "PAYPAL-CERT-URL is not a valid URL") from exc
    except requests.RequestException as exc:
        raise VerificationUnavailable(f"could not download the PayPal certificate: {type(exc).__name__}") from exc
    if 300 <= status < 500:  # a redirect or a missing page is not a certificate PayPal serves: forged, not an outage
        raise _refuse(url, f"PAYPAL-CERT-URL answered HTTP {status}")
    if status != 200:
        raise VerificationUnavailable(f"PayPal certificate download returned HTTP {status}")
    if len(content) > MAX_CERT_BYTES:
        raise _refuse(url, "the PayPal certificate download is too large")
    try:
        chain = x509.load_pem_x509_certificates(content)
    except ValueError as exc:
        raise _refuse(url, "PAYPAL-CERT-URL did not return a PEM certificate") from exc
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


def check_transmission_time(value: str, now: float, tolerance: int) -> int:
    """PAYPAL-TRANSMISSION-TIME as a Unix time, within ``tolerance`` seconds in the past (PayPal's 3-day retries)
    and a few minutes in the future (clock skew); :class:`StaleTimestamp` outside, :class:`InvalidSignature` when
    it is not an ISO 8601 time."""
    if len(value) > MAX_TRANSMISSION_HEADER_CHARS or not _TRANSMISSION_TIME.fullmatch(value):
        raise InvalidSignature("PAYPAL-TRANSMISSION-TIME is not an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidSignature("PAYPAL-TRANSMISSION-TIME is not an ISO 8601 time") from exc
    sent = int(moment.timestamp())
    age = now - sent
    if age > tolerance:
        raise StaleTimestamp(f"PAYPAL-TRANSMISSION-TIME is {int(age)} s old (tolerance {tolerance} s)")
    if -age > PAYPAL_TRANSMISSION_FUTURE_SKEW_SECONDS:
        raise StaleTimestamp(f"PAYPAL-TRANSMISSION-TIME is {int(-age)} s in the future")
    return sent


def verify_rest(raw: bytes, headers: Mapping[str, str], ctx: VerifyContext) -> Verified:
    transmission_id = header(headers, "PAYPAL-TRANSMISSION-ID")
    transmission_time = header(headers, "PAYPAL-TRANSMISSION-TIME")
    signature_b64 = header(headers, "PAYPAL-TRANSMISSION-SIG")
    cert_url = header(headers, "PAYPAL-CERT-URL")
    algo = header(headers, "PAYPAL-AUTH-ALGO")
    if algo.lower() != AUTH_ALGO.lower():
        raise InvalidSignature("unsupported PAYPAL-AUTH-ALGO")
    if len(transmission_id) > MAX_TRANSMISSION_HEADER_CHARS:
        raise InvalidSignature("PAYPAL-TRANSMISSION-ID is too long")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError as exc:
        raise InvalidSignature("PAYPAL-TRANSMISSION-SIG is not base64") from exc
    settings = ctx.settings
    # Cheap checks first: nothing is downloaded for a stale or malformed request.
    signed_at = check_transmission_time(transmission_time, ctx.now, settings.paypal_transmission_tolerance_seconds)
    cert_url = check_cert_url(cert_url, settings.paypal_cert_allowed_hosts)
    webhook_id = _webhook_id(ctx.secret)

    from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature  # noqa: PLC0415
    from cryptography.hazmat.primitives import hashes  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: PLC0415

    chain = fetch_certificate_chain(cert_url, settings.paypal_cert_ca_bundle)
    if not chain:
        raise UntrustedCertificate("PAYPAL-CERT-URL returned no certificate")
    leaf = chain[0]
    if _subject_cn(leaf) not in settings.paypal_cert_subject_cns:
        raise UntrustedCertificate("certificate subject CN is not a trusted PayPal one")
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
    return Verified(provider="paypal", scheme="paypal-rest", signed_at=signed_at, key_index=0)


# --- IPN: postback ---------------------------------------------------------------------------------------------------


def check_ipn_url(url: str) -> str:
    parts = urlsplit(url)
    loopback = (parts.hostname or "") in _LOOPBACK_HOSTS
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise ConfigurationError("PAYPAL_IPN_VERIFY_URL must be https (http only for a loopback stub)")
    return url


IPN_RECEIVER_FIELDS = ("receiver_id", "receiver_email", "business")
_AMOUNT = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,4})?")


def check_ipn_receiver(parsed: Mapping[str, Any], settings: Settings) -> None:
    """Decision 25: the IPN must name one of our PayPal accounts; :class:`ForeignReceiver` otherwise."""
    ours = set(settings.paypal_ipn_receivers)
    named = ipn.merchant_account_names(parsed)  # the receiver, or the payer of the merchant's own debits
    if not named & ours:
        raise ForeignReceiver("IPN receiver_id, receiver_email and business match none of PAYPAL_IPN_RECEIVERS")


def ipn_amount_problems(parsed: Mapping[str, Any]) -> tuple[str, ...]:
    """What is wrong with ``mc_gross`` / ``mc_currency`` (PayPal's IPN checklist), by field name only."""
    from webhook_core.money import ISO_4217_EXPONENTS  # noqa: PLC0415 - IPN path only

    problems: list[str] = []
    gross = parsed.get("mc_gross")
    currency = parsed.get("mc_currency")
    if gross is not None or currency is not None:
        code = str(currency or "").strip().upper()
        if code not in ISO_4217_EXPONENTS:
            problems.append("mc_currency is not an ISO 4217 currency")
        text = str(gross or "").strip()
        if not _AMOUNT.fullmatch(text):
            problems.append("mc_gross is not a decimal amount")
        elif code in ISO_4217_EXPONENTS and "." in text and len(text.split(".", 1)[1]) > ISO_4217_EXPONENTS[code]:
            problems.append("mc_gross has more decimals than mc_currency allows")
    return tuple(problems)


def verify_ipn(raw: bytes, ctx: VerifyContext) -> Verified:
    import requests  # noqa: PLC0415 - PayPal path only

    if not ctx.settings.paypal_ipn_receivers:
        # Fail closed (decision 25): without our account list a VERIFIED IPN could be anyone's payment.
        raise ConfigurationError(
            "PAYPAL_IPN_RECEIVERS is empty, so no IPN can be booked: set paypal_ipn_receivers to our PayPal "
            "merchant ids/e-mails (PayPal retries the IPN meanwhile)"
        )
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
        parsed = ipn.parse_ipn(raw)
        check_ipn_receiver(parsed, ctx.settings)
        return Verified(provider="paypal", scheme="paypal-ipn", notes=ipn_amount_problems(parsed))
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
            raise UnsupportedContentType("Content-Type must be JSON (REST webhook) or form data (IPN)")
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
