"""The moto CPU savings change what a request costs, never what moto answers."""

from __future__ import annotations

import logging

import pytest
from moto import backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from webhookdev.local import moto_perf

PRISTINE = backends.list_of_moto_modules  # before any test applies the savings


def test_the_backend_module_list_is_computed_once_and_still_routes_every_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(backends, "list_of_moto_modules", PRISTINE)
    listed = sorted(PRISTINE())
    scans = 0
    real_listdir = backends.os.listdir

    def counting_listdir(path: str) -> list[str]:
        nonlocal scans
        scans += 1
        return real_listdir(path)

    monkeypatch.setattr(backends.os, "listdir", counting_listdir)

    moto_perf.apply()
    dispatcher = DomainDispatcherApplication(create_app=lambda backend: backend)  # type: ignore[arg-type,return-value]
    for _ in range(5):
        assert dispatcher.get_backend_for_host("s3") == "s3"
        assert dispatcher.get_backend_for_host("dynamodb") == "dynamodb"

    assert sorted(backends.list_of_moto_modules()) == listed
    assert scans == 1  # moto scanned its package directory on every request


def test_the_request_log_stays_on_unless_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    werkzeug = logging.getLogger("werkzeug")
    monkeypatch.setattr(werkzeug, "level", logging.NOTSET)

    moto_perf.apply()
    assert werkzeug.level == logging.NOTSET

    monkeypatch.setenv("WEBHOOKDEV_MOTO_REQUEST_LOG", "0")
    assert "request log off (WEBHOOKDEV_MOTO_REQUEST_LOG=0)" in moto_perf.apply()
    assert werkzeug.level == logging.WARNING
