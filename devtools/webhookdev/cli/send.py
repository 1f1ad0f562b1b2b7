"""`webhookctl send`: render a sample with fresh ids, sign it exactly as the provider does, and POST it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from webhook_core.providers import get_provider

from webhookdev import providers, samples
from webhookdev.cli.errors import EXIT_OK, EXIT_REJECTED, CliError
from webhookdev.cli.target import Target, default_secret_name
from webhookdev.providers import SigningFlags

__all__ = ["SigningFlags"]  # re-exported: the load generator and the benchmarks build these flags too

JSON = samples.JSON_CONTENT_TYPE
FORM = samples.FORM_CONTENT_TYPE

DEFAULT_TIMEOUT = 10.0


# --- which sample ----------------------------------------------------------------------------------------------------


def sample_event_type(provider: str, name: str) -> str:
    """The provider's own event type written in the sample (IPN: txn_type, or payment_status when there is none)."""
    return tooling(provider).event_type(samples.load_sample(provider, name), samples.content_type_for(provider, name))


def tooling(provider: str) -> providers.ProviderTooling:
    """The provider's tooling plug-in; a clear CliError for a provider the registry (or the tooling) does not know."""
    try:
        return providers.get(provider)
    except providers.UnknownProvider as exc:
        raise CliError(str(exc)) from None


def resolve_sample(provider: str, event_type: str) -> str:
    """Map what the user typed to one sample name: the name itself, its dotted form, or a unique event type."""
    tooling(provider)
    names = samples.list_samples(provider)
    wanted = event_type.strip()
    normalized = wanted.lower().replace(".", "_").replace("-", "_")
    for candidate in (wanted, normalized):
        if candidate in names:
            return candidate
    by_type = [n for n in names if sample_event_type(provider, n).lower() == wanted.lower()]
    if len(by_type) == 1:
        return by_type[0]
    if by_type:
        raise CliError(f"{provider} {wanted!r} is ambiguous; name one sample: {', '.join(by_type)}")
    raise CliError(f"no {provider} sample for {wanted!r}; see `webhookctl send --list` (known: {', '.join(names)})")


def list_table() -> list[tuple[str, str, str, str]]:
    """(provider, sample, event type, content type) for every sample."""
    return [
        (p, n, sample_event_type(p, n), samples.content_type_for(p, n))
        for p in samples.PROVIDERS
        for n in samples.list_samples(p)
    ]


# --- signing material ------------------------------------------------------------------------------------------------


Signing = Mapping[str, str]  # stack.json's `signing.<provider>` shape; each plug-in names the keys it needs


def _secret_from_aws(target: Target, provider: str) -> Mapping[str, Any]:
    name = target.secret_id(provider)
    try:
        raw = target.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
        value = json.loads(raw)
    except Exception as exc:  # boto errors, missing SecretString, bad JSON: all one actionable message
        raise CliError(f"cannot read secret {name} from Secrets Manager: {exc}") from exc
    if not isinstance(value, Mapping):
        raise CliError(f"secret {name} is not a JSON object (see docs/design.md, Secrets Manager formats)")
    return value


def _from_target(provider: str, flags: SigningFlags, load_target: Callable[[], Target]) -> dict[str, str]:
    """Material from the target: stack.json's `signing` locally, Secrets Manager (+ outputs) with --secret-from-aws."""
    target = load_target()
    if target.name == "local":
        return {k: str(v) for k, v in (target.signing.get(provider) or {}).items() if v}
    if flags.secret_from_aws:
        return tooling(provider).material_from_secret(_secret_from_aws(target, provider), target.outputs)
    return {}


def resolve_signing(
    provider: str, flags: SigningFlags, load_target: Callable[[], Target], url: str, content_type: str
) -> Signing:
    """The signing material, first found wins per key: the flags (--signing KEY=VALUE, then the provider's own flags),
    then the target, then the provider's fallback. A shared secret given with --secret is used as given: the target is
    not read. An unknown provider or missing material is a CliError naming what is missing, never a wrong signature."""
    plugin = tooling(provider)
    needed = plugin.material_keys(content_type)
    if not needed:
        return {}
    try:
        material = {**plugin.material_from_flags(flags, url), **dict(flags.material)}
    except ValueError as exc:
        raise CliError(str(exc)) from None
    missing = [key for key in needed if not material.get(key)]
    secret_id = default_secret_name(provider)
    if missing and not flags.secrets:
        target = load_target()
        if target.name == "aws" and not flags.secret_from_aws and len(missing) == len(needed):
            raise CliError(f"no {provider} signing secret: pass --secret or --secret-from-aws")
        if flags.secret_from_aws:
            secret_id = target.secret_id(provider)
        material = {**_from_target(provider, flags, lambda: target), **material}
    material = {**plugin.fallback_material(url), **material}
    missing = [key for key in needed if not material.get(key)]
    if missing:
        where = secret_id if flags.secret_from_aws else f"stack.json signing.{provider}"
        raise CliError(
            f"cannot sign a {provider} webhook without {', '.join(missing)} (not in the flags or {where}); "
            "pass them with --secret or --signing KEY=VALUE (or the provider's own flags, see --help)"
        )
    return material


def sign_headers(provider: str, body: bytes, content_type: str, material: Signing) -> dict[str, str]:
    """The headers the provider would send with ``body``, signature included."""
    plugin = tooling(provider)
    try:
        return {**plugin.headers(content_type), **plugin.sign(body, content_type, material)}
    except providers.MissingSigningMaterial as exc:
        raise CliError(str(exc)) from None


# --- tampering -------------------------------------------------------------------------------------------------------


def tamper(body: bytes) -> tuple[bytes, int]:
    """Change exactly one byte so the signature no longer matches but the body still parses.

    The last ASCII digit becomes the next digit (9 -> 0). The last digit of a run is never a leading digit, so JSON
    numbers and form values stay well-formed and the request reaches the signature check (401) instead of failing
    request validation (400). Bodies without a digit get their last letter swapped for another letter.
    """
    data = bytearray(body)
    for i in range(len(data) - 1, -1, -1):
        c = data[i]
        if 0x30 <= c <= 0x39:
            data[i] = 0x30 + (c - 0x30 + 1) % 10
            return bytes(data), i
    for i in range(len(data) - 1, -1, -1):
        if chr(data[i]).isascii() and chr(data[i]).isalpha():
            data[i] = ord("b" if chr(data[i]).lower() == "a" else "a")
            return bytes(data), i
    raise CliError("cannot tamper with a body that has no digit or letter")


# --- requests --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingWebhook:
    provider: str
    sample: str
    event_id: str
    url: str
    headers: Mapping[str, str]
    body: bytes
    tampered_offset: int | None = None
    #: Local PayPal stub only: where to register the IPN message as "sent by PayPal" (the untampered body), so the
    #: validator's postback is answered VERIFIED for exactly that body, as PayPal would.
    ipn_register_url: str | None = None
    ipn_register_ca_bundle: str | None = None
    original_body: bytes = b""


@dataclass(frozen=True)
class SendOptions:
    provider: str
    event_type: str
    url: str | None = None
    tamper: bool = False
    event_id: str | None = None
    transaction_id: str | None = None
    customer_id: str | None = None
    count: int = 1
    signing: SigningFlags = field(default_factory=SigningFlags)


def event_id_of(provider: str, body: bytes, content_type: str) -> str:
    """The validator's own id for the event (the Lambda plug-in's ``event_id``), or "" when the body has none."""
    plugin = get_provider(provider)
    try:
        return plugin.event_id(plugin.parse_body(body, content_type))
    except Exception:  # a deliberately broken sample: the validator answers 400, and there is no id to show
        return ""


def build_requests(options: SendOptions, load_target: Callable[[], Target]) -> Iterator[OutgoingWebhook]:
    """The ``count`` signed requests to send; ``load_target`` is only called when flags leave something unknown."""
    name = resolve_sample(options.provider, options.event_type)
    if options.count < 1:
        raise CliError("--count must be at least 1")
    url = options.url or load_target().webhook_url(options.provider)
    content_type = samples.content_type_for(options.provider, name)
    is_ipn = content_type == FORM
    material = resolve_signing(options.provider, options.signing, load_target, url, content_type)
    register_url, ca_bundle = _ipn_registration(load_target, options.url) if is_ipn else (None, None)
    rendered: tuple[bytes, str] | None = None
    for _ in range(options.count):
        # A pinned event id means the same event: resend identical bytes, as a provider's redelivery does (signed
        # afresh each time). Otherwise every delivery is a new event with fresh ids.
        if rendered is None or options.event_id is None:
            rendered = samples.render_sample(
                options.provider,
                name,
                event_id=options.event_id,
                transaction_id=options.transaction_id,
                customer_id=options.customer_id,
            )
        body, content_type = rendered
        headers = sign_headers(options.provider, body, content_type, material)
        event_id = event_id_of(options.provider, body, content_type)
        original, offset = body, None
        if options.tamper:
            body, offset = tamper(body)
        yield OutgoingWebhook(
            provider=options.provider,
            sample=name,
            event_id=event_id,
            url=url,
            headers=headers,
            body=body,
            tampered_offset=offset,
            ipn_register_url=register_url,
            ipn_register_ca_bundle=ca_bundle,
            original_body=original,
        )


def _ipn_registration(load_target: Callable[[], Target], url_flag: str | None) -> tuple[str | None, str | None]:
    """The local PayPal stub's registration endpoint, when sending to the local stack; (None, None) otherwise."""
    try:
        target = load_target()
    except CliError:
        if url_flag:
            return None, None  # --url without a stack: nothing to register with
        raise
    if target.name != "local":
        return None, None  # real PayPal answers the postback itself (INVALID for a message it never sent)
    stub = target.extra.get("paypal_stub")
    if not isinstance(stub, Mapping) or not stub.get("ipn_register_url"):
        return None, None
    ca_bundle = stub.get("ca_bundle")
    return str(stub["ipn_register_url"]), (str(ca_bundle) if ca_bundle else None)


def register_ipn(request: OutgoingWebhook, session: requests.Session, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Tell the local PayPal stub this IPN message was sent, so its postback answers VERIFIED for it."""
    if not request.ipn_register_url:
        return
    verify: bool | str = request.ipn_register_ca_bundle or True
    try:
        resp = session.post(
            request.ipn_register_url,
            data=request.original_body,
            headers={"Content-Type": FORM},
            timeout=timeout,
            verify=verify,
        )
    except requests.RequestException as exc:
        raise CliError(f"cannot register the IPN message with the local PayPal stub: {exc.__class__.__name__}") from exc
    if not resp.ok:
        raise CliError(f"the local PayPal stub refused the IPN registration: HTTP {resp.status_code}")


@dataclass(frozen=True)
class Delivery:
    request: OutgoingWebhook
    status: int
    response: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def as_json(self) -> dict[str, Any]:
        try:
            response: Any = json.loads(self.response)
        except ValueError:
            response = self.response
        return {
            "provider": self.request.provider,
            "sample": self.request.sample,
            "event_id": self.request.event_id,
            "url": self.request.url,
            "status": self.status,
            "response": response,
            "tampered_offset": self.request.tampered_offset,
        }


def deliver(request: OutgoingWebhook, session: requests.Session, timeout: float = DEFAULT_TIMEOUT) -> Delivery:
    try:
        resp = session.post(request.url, data=request.body, headers=dict(request.headers), timeout=timeout)
    except requests.ConnectionError:
        raise CliError(f"cannot connect to {request.url} (is the stack up? `make up`)") from None
    except requests.Timeout:
        raise CliError(f"no answer from {request.url} within {timeout:g}s") from None
    except requests.RequestException as exc:
        raise CliError(f"cannot POST to {request.url}: {exc.__class__.__name__}: {exc}") from exc
    return Delivery(request=request, status=resp.status_code, response=resp.text)


def dry_run_text(request: OutgoingWebhook) -> str:
    lines = [f"POST {request.url}"] + [f"{k}: {v}" for k, v in request.headers.items()]
    if request.tampered_offset is not None:
        lines.append(f"# body tampered after signing at byte offset {request.tampered_offset}")
    return "\n".join(lines) + "\n\n" + request.body.decode("utf-8", errors="replace")


def dry_run_json(request: OutgoingWebhook) -> dict[str, Any]:
    return {
        "provider": request.provider,
        "sample": request.sample,
        "event_id": request.event_id,
        "url": request.url,
        "headers": dict(request.headers),
        "body": request.body.decode("utf-8", errors="replace"),
        "tampered_offset": request.tampered_offset,
    }


def run_send(
    options: SendOptions,
    load_target: Callable[[], Target],
    *,
    dry_run: bool,
    as_json: bool,
    out: Callable[[str], None],
    session: requests.Session | None = None,
) -> int:
    """Send (or print) every request; exit code 0 when all answers were 2xx, 3 otherwise."""
    http = session or requests.Session()
    requests_ = list(build_requests(options, load_target))
    exit_code = EXIT_OK
    for index, request in enumerate(requests_, start=1):
        if dry_run:
            out(json.dumps(dry_run_json(request)) if as_json else dry_run_text(request))
            continue
        register_ipn(request, http)
        delivery = deliver(request, http)
        if not delivery.ok:
            exit_code = EXIT_REJECTED
        if as_json:
            out(json.dumps(delivery.as_json()))
        else:
            prefix = f"[{index}/{len(requests_)}] " if len(requests_) > 1 else ""
            tampered = " (tampered)" if request.tampered_offset is not None else ""
            out(
                f"{prefix}{request.provider} {request.sample} {request.event_id}{tampered} -> "
                f"HTTP {delivery.status} {delivery.response.strip()}"
            )
    return exit_code


def format_list(rows: Sequence[tuple[str, str, str, str]]) -> str:
    widths = [max(len(r[i]) for r in [("PROVIDER", "SAMPLE", "EVENT TYPE", "CONTENT TYPE"), *rows]) for i in range(3)]
    header = ("PROVIDER", "SAMPLE", "EVENT TYPE", "CONTENT TYPE")
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in [header, *rows])
