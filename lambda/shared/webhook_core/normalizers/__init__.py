"""Per-provider normalizers: ``webhook_core.normalizers.<provider>.normalize(event) -> list[TransactionRecord]``.

Resolved lazily by :func:`webhook_core.providers.get_normalizer`, so validators never import this package.
"""

__all__: list[str] = []
