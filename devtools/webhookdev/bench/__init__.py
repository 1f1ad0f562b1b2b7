"""Benchmarks, the load tool and the capacity model: ``make bench`` / ``python -m webhookdev.bench`` runs them all.

Modules: ``coldstart``, ``hotpath``, ``sizes``, ``generator``, ``knee`` (figures), ``load`` (vegeta driver),
``capacity`` with ``tfvars``, ``items`` and ``prices.json`` (``webhookctl capacity``), ``docs`` (docs/performance.md).
"""
