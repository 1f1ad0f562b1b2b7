"""WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION sets the local worker cap per function; the default stays 2."""

from __future__ import annotations

import pytest
from webhookdev.local.stack import Options, StackError


def test_worker_cap_defaults_to_two(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION", raising=False)
    assert Options().max_workers_per_function == 2


def test_worker_cap_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION", "4")
    assert Options().max_workers_per_function == 4


@pytest.mark.parametrize("value", ["0", "33", "two", "-1"])
def test_worker_cap_out_of_range_is_refused_with_the_variable_named(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION", value)
    with pytest.raises(StackError, match="WEBHOOKDEV_MAX_WORKERS_PER_FUNCTION"):
        Options()
