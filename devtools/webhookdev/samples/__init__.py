"""Realistic provider webhook bodies, one file per provider and event type, and a small typed loader.

The files live in ``data/<provider>/<name>.json`` (or ``.txt`` for PayPal classic IPN, which is form-encoded) next to
this module, so they travel as package data. ``load_sample`` returns the stored bytes untouched (the exact shape the
provider sends); ``render_sample`` returns a copy with fresh ids and timestamps, so a demo or a test can send many
*distinct* events built from one sample. See ``data/README.md`` for the source of each shape.
"""

from __future__ import annotations

import time
from pathlib import Path

from webhookdev import providers

__all__ = ["PROVIDERS", "content_type_for", "list_samples", "load_sample", "render_sample", "sample_path"]

DATA_DIR = Path(__file__).resolve().parent / "data"
#: Every provider, from the provider registry (webhook_core.providers, through webhookdev.providers).
PROVIDERS: tuple[str, ...] = providers.names()
JSON_CONTENT_TYPE = providers.JSON_CONTENT_TYPE
FORM_CONTENT_TYPE = providers.FORM_CONTENT_TYPE


def _check_provider(provider: str) -> Path:
    providers.get(provider)  # UnknownProvider (a ValueError) for a name the registry does not know
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
    JSON samples are re-serialized in the provider's own style (webhookdev.providers.<provider>.render).
    """
    raw = load_sample(provider, name)
    content_type = content_type_for(provider, name)
    fresh = providers.Fresh(event_id, transaction_id, int(time.time()) if created is None else created, customer_id)
    return providers.get(provider).render(raw, content_type, fresh), content_type
