"""Write-once raw payloads (decision 24): the first body stored under a key is never overwritten.

Every put is conditional (``If-None-Match: *``). When the key exists:

- the stored body is byte-identical (a redelivery): success, nothing written;
- it differs (same event id, different bytes): the new body goes beside it, under ``<stem>~body-<sha256/16>.<ext>``,
  again write-once. Both are kept; the processor deduplicates by event id.

A 409 ``ConditionalRequestConflict`` (a concurrent conditional write to the same key is still in flight) is not
resolved here: it propagates, the validator answers 5xx and the provider's retry finds the finished object.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

VARIANT_MARK = "~body-"
DIGEST_CHARS = 16
_VARIANT = re.compile(re.escape(VARIANT_MARK) + "[0-9a-f]{" + str(DIGEST_CHARS) + r"}(?=\.[A-Za-z0-9]+$)")


class RawPayloadConflict(Exception):
    """Both the key and its content-addressed variant hold other bytes (a 64-bit digest collision): never seen."""


@dataclass(frozen=True)
class StoredPayload:
    bucket: str
    key: str
    #: False when an identical body was already stored (a redelivery); nothing was written then.
    created: bool


def body_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:DIGEST_CHARS]


def variant_key(key: str, body: bytes) -> str:
    """``a/b/evt_1.json`` -> ``a/b/evt_1~body-<digest>.json``: where a different body for ``key`` is kept."""
    stem, dot, extension = key.rpartition(".")
    if not dot or "/" in extension:
        return f"{key}{VARIANT_MARK}{body_digest(body)}"
    return f"{stem}{VARIANT_MARK}{body_digest(body)}.{extension}"


def base_key(key: str) -> str:
    """The key a variant stands beside (``key`` itself when it is not a variant)."""
    return _VARIANT.sub("", key, count=1)


def _precondition_failed(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return error.get("Code") == "PreconditionFailed" or status == 412


def _same_body(s3: Any, bucket: str, key: str, body: bytes) -> bool:
    stored: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    return stored == body


def put_once(
    s3: Any,
    *,
    bucket: str,
    key: str,
    body: bytes,
    content_type: str,
    metadata: dict[str, str],
    encryption: Mapping[str, str],
) -> StoredPayload:
    """Store ``body`` write-once under ``key`` (or its variant); any AWS error other than 412 propagates."""
    for candidate in (key, variant_key(key, body)):
        try:
            s3.put_object(
                Bucket=bucket,
                Key=candidate,
                Body=body,
                ContentType=content_type,
                Metadata=metadata,
                **encryption,
                IfNoneMatch="*",
            )
        except ClientError as exc:
            if not _precondition_failed(exc):
                raise
        else:
            return StoredPayload(bucket, candidate, created=True)
        if _same_body(s3, bucket, candidate, body):
            return StoredPayload(bucket, candidate, created=False)
    raise RawPayloadConflict(f"{key} and its variant both hold other bytes")
