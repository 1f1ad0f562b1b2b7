"""Provider registry: the only place that knows which providers exist and where their code lives.

Plug-ins and normalizers are imported on first use, so a validator pays only for its own provider and never for
the normalizers (processor-only code).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from webhook_core.errors import ConfigurationError
from webhook_core.providers.base import ProviderPlugin, Verified, VerifyContext

if TYPE_CHECKING:  # for the type only: validators never import processor-side code
    from webhook_core.records import TransactionRecord

Normalizer = Callable[[Mapping[str, Any]], "list[TransactionRecord]"]

__all__ = ["PROVIDERS", "ProviderPlugin", "Verified", "VerifyContext", "get_normalizer", "get_provider"]

# provider name -> module exporting ``PLUGIN``
PROVIDERS: Mapping[str, str] = {
    "stripe": "webhook_core.providers.stripe",
    "paypal": "webhook_core.providers.paypal",
    "square": "webhook_core.providers.square",
}
NORMALIZER_MODULE = "webhook_core.normalizers.{provider}"

_plugins: dict[str, ProviderPlugin] = {}


def _check(name: str) -> str:
    key = name.strip().lower()
    if key not in PROVIDERS:
        raise ConfigurationError(f"unknown provider {name!r}; known: {', '.join(sorted(PROVIDERS))}")
    return key


def get_provider(name: str) -> ProviderPlugin:
    """The plug-in for ``name`` (imported once)."""
    key = _check(name)
    if key not in _plugins:
        plugin: ProviderPlugin = importlib.import_module(PROVIDERS[key]).PLUGIN
        _plugins[key] = plugin
    return _plugins[key]


def get_normalizer(name: str) -> Normalizer:
    """``webhook_core.normalizers.<provider>.normalize``, imported on first use (processor side only)."""
    key = _check(name)
    module = importlib.import_module(NORMALIZER_MODULE.format(provider=key))
    normalize: Normalizer = module.normalize
    return normalize
