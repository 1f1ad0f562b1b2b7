"""Process-wide tracer hook for code that has no handler context (e.g. the PayPal outbound calls).

The validator registers its Powertools ``Tracer``; :func:`subsegment` then opens an X-Ray subsegment, or does
nothing when no tracer is registered (unit tests of a plug-in, scripts).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_tracer: Any = None


def set_tracer(tracer: Any) -> None:
    """Register the Powertools ``Tracer`` used for custom subsegments."""
    global _tracer  # noqa: PLW0603 - one tracer per process, set once by the handler module
    _tracer = tracer


@contextlib.contextmanager
def subsegment(name: str, **annotations: str | int | bool) -> Iterator[Any]:
    """An X-Ray subsegment named ``name`` with ``annotations``; yields it (or ``None`` without a tracer)."""
    if _tracer is None:
        yield None
        return
    with _tracer.provider.in_subsegment(name) as segment:
        for key, value in annotations.items():
            segment.put_annotation(key, value)
        yield segment
