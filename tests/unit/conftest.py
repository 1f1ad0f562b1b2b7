"""Fixtures shared by every unit suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Metrics


@pytest.fixture(autouse=True)
def _isolate_powertools_metrics() -> Iterator[None]:
    """Reset Powertools' metric state after each test.

    Powertools keeps metrics and default dimensions in class-level storage shared by every ``Metrics`` instance in a
    process. In Lambda each function runs in its own process, so that is harmless there; in one pytest process the
    validator's default ``provider`` dimension would otherwise leak into the processor's metrics.
    """
    yield
    metrics = Metrics()
    metrics.clear_metrics()
    metrics.clear_default_dimensions()
