"""Realistic provider webhook bodies, one file per provider and event type, and a small typed loader.

The files live in ``data/<provider>/<name>.json`` (or ``.txt`` for PayPal classic IPN, which is form-encoded) next to
this module, so they travel as package data. ``load_sample`` returns the stored bytes untouched (the exact shape the
provider sends); ``render_sample`` returns a copy with fresh ids and timestamps, so a demo or a test can send many
*distinct* events built from one sample. See ``data/README.md`` for the source of each shape.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["PROVIDERS", "content_type_for", "list_samples", "load_sample", "render_sample", "sample_path"]

DATA_DIR = Path(__file__).resolve().parent / "data"
PROVIDERS: tuple[str, ...] = ("stripe", "paypal", "square")
JSON_CONTENT_TYPE = "application/json"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def _check_provider(provider: str) -> Path:
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")
    return DATA_DIR / provider


def list_samples(provider: str) -> list[str]:
    """Sample names for ``provider`` (file names without extension), sorted."""
    folder = _check_provider(provider)
    return sorted(p.stem for p in folder.iterdir() if p.suffix in (".json", ".txt"))


def sample_path(provider: str, name: str) -> Path:
    """The file that holds sample ``name``; raises ``KeyError`` for an unknown name."""
    folder = _check_provider(provider)
    for suffix in (".json", ".txt"):
        candidate = folder / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    raise KeyError(f"no sample {provider}/{name}; known: {', '.join(list_samples(provider))}")


def load_sample(provider: str, name: str) -> bytes:
    """The stored body, byte for byte."""
    return sample_path(provider, name).read_bytes()


def content_type_for(provider: str, name: str) -> str:
    """The Content-Type the provider sends with this body."""
    return FORM_CONTENT_TYPE if sample_path(provider, name).suffix == ".txt" else JSON_CONTENT_TYPE


_CARD_LENGTH_RUN = re.compile(r"\d{13}")


def _token(length: int, alphabet: str = _ALPHANUM) -> str:
    """A random id in the provider's alphabet, redrawn if it holds a card-length digit run (it would be masked)."""
    while True:
        value = "".join(secrets.choice(alphabet) for _ in range(length))
        if not _CARD_LENGTH_RUN.search(value):
            return value


def _iso_z(moment: int, *, millis: bool) -> str:
    stamp = datetime.fromtimestamp(moment, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


def _render_stripe(
    body: MutableMapping[str, Any], event_id: str | None, txn: str | None, created: int, customer: str | None
) -> None:
    body["id"] = event_id or f"evt_{_token(24)}"
    body["created"] = created
    obj = body["data"]["object"]
    prefix = str(obj.get("id", "obj_")).split("_", 1)[0]
    obj["id"] = txn or f"{prefix}_{_token(24)}"
    if isinstance(obj.get("created"), int):
        obj["created"] = created - 1
    if customer is not None and "customer" in obj:
        obj["customer"] = customer


def _render_square(
    body: MutableMapping[str, Any], event_id: str | None, txn: str | None, created: int, customer: str | None
) -> None:
    body["event_id"] = event_id or str(uuid.uuid4())
    body["created_at"] = _iso_z(created, millis=True)
    data = body["data"]
    obj = data["object"][data["type"]]
    new_id = txn or _token(29)
    data["id"] = new_id
    obj["id"] = new_id
    if "dispute_id" in obj:
        obj["dispute_id"] = new_id
    obj["updated_at"] = _iso_z(created, millis=True)
    if customer is not None and "customer_id" in obj:
        obj["customer_id"] = customer


def _render_paypal_rest(
    body: MutableMapping[str, Any], event_id: str | None, txn: str | None, created: int, customer: str | None
) -> None:
    new_event_id = event_id or f"WH-{_token(17, _UPPER_DIGITS)}-{_token(17, _UPPER_DIGITS)}"
    old_event_id = body["id"]
    body["id"] = new_event_id
    body["create_time"] = _iso_z(created, millis=True)
    for link in body.get("links", []):
        link["href"] = str(link["href"]).replace(old_event_id, new_event_id)
    resource = body["resource"]
    id_field = "dispute_id" if "dispute_id" in resource else "id"
    resource[id_field] = txn or _token(17, _UPPER_DIGITS)
    if "update_time" in resource:
        resource["update_time"] = _iso_z(created, millis=False)
    payer = resource.get("payer")
    if customer is not None and isinstance(payer, dict) and "payer_id" in payer:
        payer["payer_id"] = customer


def _ipn_date(created: int) -> str:
    # PayPal stamps IPN dates in Pacific time; use the fixed PST offset (what the samples carry).
    local = datetime.fromtimestamp(created, tz=UTC) - timedelta(hours=8)
    return local.strftime("%H:%M:%S %b %d, %Y") + " PST"


def _render_ipn(raw: bytes, event_id: str | None, txn: str | None, created: int, customer: str | None) -> bytes:
    fields = parse_qsl(raw.decode("ascii"), keep_blank_values=True)
    replacements = {
        "ipn_track_id": event_id or _token(13, "abcdef0123456789"),
        "txn_id": txn or _token(17, _UPPER_DIGITS),
        "payment_date": _ipn_date(created),
    }
    if customer is not None:
        replacements["payer_id"] = customer
    return urlencode([(key, replacements.get(key, value)) for key, value in fields]).encode("ascii")


_JsonRenderer = Callable[[MutableMapping[str, Any], str | None, str | None, int, str | None], None]


def render_sample(
    provider: str,
    name: str,
    *,
    event_id: str | None = None,
    transaction_id: str | None = None,
    created: int | None = None,
    customer_id: str | None = None,
) -> tuple[bytes, str]:
    """A copy of the sample with fresh identifiers, as ``(body, content_type)``.

    The provider event id and the transaction (payment/refund/dispute object) id are new random ids unless given;
    ``created`` (Unix seconds, default now) becomes the event time; ``customer_id`` replaces the customer where the
    sample has one. Everything else, including the poison sample's malformed ``amount``, is left as stored.
    JSON samples are re-serialized in the provider's own style (Stripe pretty-prints, the others are compact).
    """
    raw = load_sample(provider, name)
    content_type = content_type_for(provider, name)
    when = int(time.time()) if created is None else created
    if content_type == FORM_CONTENT_TYPE:
        return _render_ipn(raw, event_id, transaction_id, when, customer_id), content_type
    body = json.loads(raw)
    renderer: _JsonRenderer = {
        "stripe": _render_stripe,
        "square": _render_square,
        "paypal": _render_paypal_rest,
    }[provider]
    renderer(body, event_id, transaction_id, when, customer_id)
    if provider == "stripe":
        text = json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    else:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8"), content_type
