"""The tooling half of each provider, behind one registry derived from the Lambda code's.

Which providers exist is decided in exactly one place: ``webhook_core.providers.PROVIDERS`` (the Lambda registry).
Every tool (samples, ``webhookctl send``, the local stack, the benchmarks) asks this module, which maps each of those
names to ``webhookdev.providers.<name>.TOOLING``: how the provider renders fresh sample bodies, which headers it sends,
how it signs, and what demo secret the local stack seeds. A provider in the Lambda registry without a tooling module
is a clear :class:`UnknownProvider` error, never a guess (such as signing it like another provider).
"""

from __future__ import annotations

import importlib
from types import ModuleType

import webhook_core.providers as lambda_registry

from webhookdev.providers.base import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    Fresh,
    LocalFacts,
    MissingSigningMaterial,
    ProviderTooling,
    SigningFlags,
    UnknownProvider,
)

__all__ = [
    "FORM_CONTENT_TYPE",
    "JSON_CONTENT_TYPE",
    "Fresh",
    "LocalFacts",
    "MissingSigningMaterial",
    "ProviderTooling",
    "SigningFlags",
    "UnknownProvider",
    "get",
    "names",
]

TOOLING_MODULE = "webhookdev.providers.{provider}"


def names() -> tuple[str, ...]:
    """Every provider, in the Lambda registry's order (read each call, so a test can extend the registry)."""
    return tuple(lambda_registry.PROVIDERS)


def _module(provider: str) -> ModuleType:
    try:
        return importlib.import_module(TOOLING_MODULE.format(provider=provider))
    except ModuleNotFoundError as exc:
        if exc.name != TOOLING_MODULE.format(provider=provider):
            raise
        raise UnknownProvider(
            f"provider {provider!r} is in webhook_core's registry but has no tooling plug-in: "
            f"add devtools/webhookdev/providers/{provider}.py (docs/providers.md, 'Adding a provider')"
        ) from None


def get(provider: str) -> ProviderTooling:
    """The tooling plug-in of ``provider``; :class:`UnknownProvider` for a name the registry does not know."""
    known = names()
    if provider not in known:
        raise UnknownProvider(f"unknown provider {provider!r}; choose one of {', '.join(known)}")
    tooling: ProviderTooling = _module(provider).TOOLING
    if tooling.name != provider:
        raise UnknownProvider(f"webhookdev.providers.{provider}.TOOLING is named {tooling.name!r}")
    return tooling
