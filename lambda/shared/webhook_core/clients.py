"""boto3 clients for the ingest functions, created once per container with tight timeouts.

The validator has 10 s in all; a stuck S3 or Lambda call must fail fast enough to still answer 5xx (so the provider
retries) instead of timing out silently.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=4, retries={"max_attempts": 2, "mode": "standard"})


def client(service: str) -> Any:
    """A boto3 client for ``service`` with :data:`CLIENT_CONFIG`."""
    return boto3.client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]


def validator_clients() -> dict[str, Any]:
    """The three clients a validator uses: ``s3``, ``lambda`` and ``secretsmanager``."""
    return {name: client(name) for name in ("s3", "lambda", "secretsmanager")}
