"""The transaction query API (``transaction-query``) on Powertools' ``APIGatewayRestResolver``.

* ``GET /api/v1/transactions/{id}`` -> ``{"transaction_id", "provider", "latest", "events"}`` (newest first) or 404.
* ``GET /api/v1/transactions?provider=&start=&end=`` -> ``ProviderTimestampIndex``.
* ``GET /api/v1/transactions?customer_id=[&provider=&start=&end=]`` -> ``CustomerIndex`` (``provider`` filters).
* Lists take ``limit`` (1-100, default 25) and an opaque ``next_token``; they return ``{"items", "next_token"}``.
* With ``PROVIDER_SHARDS`` > 1 a list by provider reads every shard of the index and merges them by ``timestamp``;
  the token carries one cursor per shard (docs/scaling.md).

Amounts are exact decimal strings; ``timestamp`` and the other times are JSON numbers written digit for digit
(the sort key has 20 fractional digits that a float would lose). Bad parameters are 400 ``{"message": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import heapq
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import boto3
from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from webhook_core.config import setting
from webhook_core.log import get_logger
from webhook_core.masking import mask_id
from webhook_core.money import format_amount
from webhook_core.providers import PROVIDERS
from webhook_core.records import TIEBREAK_DIGITS
from webhook_core.sharding import SHARD_ATTRIBUTE, provider_partitions, provider_shards

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

API_PREFIX = "/api/v1"
PROVIDER_INDEX = "ProviderTimestampIndex"
CUSTOMER_INDEX = "CustomerIndex"
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_EVENTS_PER_TRANSACTION = 1000
TOKEN_VERSION = 2
MAX_TOKEN_LENGTH = 4096
# ASCII digits only: str.isdigit() and \d accept "²" and other scripts' digits, which int() then rejects.
_NUMBER = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,20})?")
_LIMIT = re.compile(r"[0-9]{1,3}")
_END = "end"
_JSON = "application/json"


class QueryError(Exception):
    """A bad request parameter; the message is shown to the caller with a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- exact JSON -----------------------------------------------------------------------------------------------------

_MARK = secrets.token_hex(8)
_MARKED = re.compile(rf'"@{_MARK}:(-?[0-9.]+)@"')


def _mark_numbers(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"@{_MARK}:{format(value, 'f')}@"
    if isinstance(value, Mapping):
        return {str(k): _mark_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mark_numbers(v) for v in value]
    return value


def dumps_exact(value: Any) -> str:
    """JSON in which every ``Decimal`` is a number with exactly its digits (never through float)."""
    text = json.dumps(_mark_numbers(value), ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(lambda m: m.group(1), text)


# --- parameters -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """One validated list request."""

    index: str
    partition_key: str  # "provider" or "customer_id"
    partition_value: str
    start: Decimal | None
    end: Decimal | None
    limit: int
    provider_filter: str | None = None

    def fingerprint(self) -> str:
        """Binds a ``next_token`` to the query it came from."""
        canon = json.dumps(
            [self.index, self.partition_value, str(self.start), str(self.end), self.provider_filter],
            separators=(",", ":"),
        )
        return hashlib.sha256(canon.encode()).hexdigest()[:16]


def _time_param(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if not _NUMBER.fullmatch(text):
        raise QueryError(f"{name} must be a Unix timestamp in seconds (a non-negative number), got {raw!r}")
    return Decimal(text)


def _end_bound(end: Decimal) -> Decimal:
    """An integral ``end`` includes its whole second: every tiebreak fraction of that second."""
    if end == end.to_integral_value():
        return Decimal(f"{int(end)}.{'9' * TIEBREAK_DIGITS}")
    return end


def parse_list_query(params: Mapping[str, str]) -> ListQuery:
    """Validate list parameters; :class:`QueryError` with a clear message otherwise."""
    provider = (params.get("provider") or "").strip().lower() or None
    customer_id = (params.get("customer_id") or "").strip() or None
    if provider is None and customer_id is None:
        raise QueryError("provide provider (with optional start and end) or customer_id")
    if provider is not None and provider not in PROVIDERS:
        raise QueryError(f"unknown provider {provider!r}; expected one of {', '.join(sorted(PROVIDERS))}")
    start = _time_param(params, "start")
    end = _time_param(params, "end")
    if start is not None and end is not None and start > end:
        raise QueryError(f"start ({start}) must not be after end ({end})")
    raw_limit = (params.get("limit") or "").strip()
    if raw_limit:
        if not _LIMIT.fullmatch(raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise QueryError(f"limit must be an integer from 1 to {MAX_LIMIT}, got {raw_limit!r}")
        limit = int(raw_limit)
    else:
        limit = DEFAULT_LIMIT
    if customer_id is None and provider is not None:
        return ListQuery(PROVIDER_INDEX, "provider", provider, start, end, limit)
    return ListQuery(CUSTOMER_INDEX, "customer_id", customer_id or "", start, end, limit, provider_filter=provider)


# --- partitions and next_token ---------------------------------------------------------------------------------------

#: Where one index partition's next page starts: ``None`` from the newest item, :data:`_END` when it is exhausted,
#: else the key (plain values) of the last item already returned from it.
Cursor = dict[str, Any] | str | None


@dataclass(frozen=True)
class Partitions:
    """The index partitions one list query reads: the key attribute and its values (several when sharded)."""

    attribute: str
    values: tuple[str, ...]


def _checksum(payload: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:24]


def _fingerprint(query: ListQuery, partitions: Partitions) -> str:
    """Binds a token to the query and to the partitions it was read from (a changed shard count voids tokens)."""
    canon = json.dumps([query.fingerprint(), partitions.attribute, list(partitions.values)], separators=(",", ":"))
    return hashlib.sha256(canon.encode()).hexdigest()[:16]


def _plain_cursor(cursor: Cursor) -> Any:
    if not isinstance(cursor, dict):
        return cursor
    return {name: format(value, "f") if isinstance(value, Decimal) else str(value) for name, value in cursor.items()}


def encode_token(query: ListQuery, partitions: Partitions, cursors: list[Cursor]) -> str:
    """base64url JSON of one cursor per partition, bound to the query and its partitions, checksummed."""
    payload = {"v": TOKEN_VERSION, "q": _fingerprint(query, partitions), "k": [_plain_cursor(c) for c in cursors]}
    payload["c"] = _checksum(payload)
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(entry: Any, attribute: str, value: str) -> Cursor:
    if entry is None or entry == _END:
        return entry  # type: ignore[no-any-return]
    expected = {"transaction_id", "timestamp", attribute}
    if not isinstance(entry, dict) or set(entry) != expected:
        raise ValueError("cursor")
    if not all(isinstance(v, str) and v for v in entry.values()):
        raise ValueError("cursor")
    if entry[attribute] != value or not _NUMBER.fullmatch(entry["timestamp"]):
        raise ValueError("cursor")
    return {**entry, "timestamp": Decimal(entry["timestamp"])}


def decode_token(query: ListQuery, partitions: Partitions, token: str) -> list[Cursor]:
    """The cursors of a token this API issued for this query; else :class:`QueryError` (never anything else).

    Anything can arrive here: non-ASCII, megabytes, JSON nested a thousand levels deep. The length is bounded first,
    and every decoding failure, ``RecursionError`` included, is the same 400.
    """
    invalid = QueryError("next_token is invalid (use the value from the previous page of the same query)")
    text = token.strip()
    if not text or len(text) > MAX_TOKEN_LENGTH:
        raise invalid
    try:
        payload = json.loads(base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii")))
        if not isinstance(payload, dict) or set(payload) != {"v", "q", "k", "c"}:
            raise ValueError("shape")
        checksum = payload.pop("c")
        if payload["v"] != TOKEN_VERSION or checksum != _checksum(payload):
            raise ValueError("checksum")
        if payload["q"] != _fingerprint(query, partitions):
            raise ValueError("query")
        entries = payload["k"]
        if not isinstance(entries, list) or len(entries) != len(partitions.values):
            raise ValueError("cursors")
        cursors = [
            _decode_cursor(entry, partitions.attribute, value)
            for entry, value in zip(entries, partitions.values, strict=True)
        ]
    except (UnicodeError, binascii.Error, ValueError, TypeError, RecursionError) as exc:
        raise invalid from exc
    if all(cursor == _END for cursor in cursors):
        raise invalid
    return cursors


# --- merging partitions -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionPage:
    """What one partition's query returned: its items newest first, and its LastEvaluatedKey if it has more."""

    items: list[dict[str, Any]]
    last_key: dict[str, Any] | None


def _cursor_of(item: Mapping[str, Any], attribute: str) -> dict[str, Any]:
    return {"transaction_id": item["transaction_id"], "timestamp": item["timestamp"], attribute: item[attribute]}


def merge_partitions(
    limit: int, attribute: str, cursors: list[Cursor], pages: list[PartitionPage]
) -> tuple[list[dict[str, Any]], list[Cursor] | None]:
    """The newest ``limit`` items across partitions, and the cursors after them (``None`` when all are exhausted).

    Each partition returned its newest items after its cursor. An item may be returned only if no partition can
    still hold a newer unseen one: a partition with more (a LastEvaluatedKey) hides only items older than the last
    one it returned, so the page stops at the newest of those frontiers. A partition that returned ``limit`` items
    never limits the page (it alone could fill it); one cut short by DynamoDB's 1 MB page or a filter can.
    """
    frontier: Decimal | None = None
    for page in pages:
        if page.last_key is not None and len(page.items) < limit:
            edge = page.items[-1]["timestamp"] if page.items else Decimal("Infinity")
            frontier = edge if frontier is None else max(frontier, edge)
    streams = [[(item["timestamp"], index, item) for item in page.items] for index, page in enumerate(pages)]
    taken: list[tuple[int, dict[str, Any]]] = []
    for timestamp, index, item in heapq.merge(*streams, key=lambda entry: entry[0], reverse=True):
        if len(taken) == limit or (frontier is not None and timestamp < frontier):
            break
        taken.append((index, item))
    next_cursors: list[Cursor] = []
    for index, (cursor, page) in enumerate(zip(cursors, pages, strict=True)):
        used = [item for source, item in taken if source == index]
        if len(used) == len(page.items):
            next_cursors.append(page.last_key if page.last_key is not None else _END)
        else:
            next_cursors.append(_cursor_of(used[-1], attribute) if used else cursor)
    items = [item for _, item in taken]
    if all(cursor == _END for cursor in next_cursors):
        return items, None
    return items, next_cursors


# --- items ------------------------------------------------------------------------------------------------------------


def to_api_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record as the API shows it: amount as an exact string, times as numbers, ``event_time`` added."""
    out: dict[str, Any] = {}
    for key, value in item.items():
        if key == "amount" and isinstance(value, Decimal):
            out[key] = format_amount(value, item.get("currency"))
        else:
            out[key] = value
    timestamp = item.get("timestamp")
    if isinstance(timestamp, Decimal):
        out["event_time"] = int(timestamp)
    return out


class TransactionStore:
    """Reads from the transactions table with the low-level client (numbers come back as ``Decimal``)."""

    def __init__(
        self, dynamodb: DynamoDBClient, table: str, tracer: Tracer | None = None, *, provider_shards: int = 1
    ) -> None:
        self._dynamodb = dynamodb
        self._table = table
        self._tracer = tracer
        self._shards = provider_shards
        self._deserializer = TypeDeserializer()
        self._serializer = TypeSerializer()

    def _subsegment(self, name: str) -> Any:
        if self._tracer is None:
            return _NullContext()
        return self._tracer.provider.in_subsegment(name)

    def _plain(self, item: Mapping[str, Any]) -> dict[str, Any]:
        return {key: self._deserializer.deserialize(value) for key, value in item.items()}

    def events(self, transaction_id: str) -> list[dict[str, Any]]:
        """Every stored event of one transaction, newest first."""
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "transaction_id = :id",
            "ExpressionAttributeValues": {":id": {"S": transaction_id}},
            "ScanIndexForward": False,
        }
        with self._subsegment("## dynamodb.query transaction"):
            while len(items) < MAX_EVENTS_PER_TRANSACTION:
                response = self._dynamodb.query(**kwargs)
                items.extend(self._plain(item) for item in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return items

    def partitions(self, query: ListQuery) -> Partitions:
        """The index partitions ``query`` reads: the provider's shards, or its one partition."""
        if query.index == PROVIDER_INDEX and self._shards > 1:
            return Partitions(SHARD_ATTRIBUTE, provider_partitions(query.partition_value, self._shards))
        return Partitions(query.partition_key, (query.partition_value,))

    def list(self, query: ListQuery, cursors: list[Cursor] | None) -> tuple[list[dict[str, Any]], list[Cursor] | None]:
        """One page, newest first, across the query's partitions, and the cursors for the next page if any."""
        partitions = self.partitions(query)
        current: list[Cursor] = list(cursors) if cursors is not None else [None] * len(partitions.values)
        pages = [
            PartitionPage([], None)
            if cursor == _END
            else self._query_partition(query, partitions.attribute, value, cursor)
            for value, cursor in zip(partitions.values, current, strict=True)
        ]
        return merge_partitions(query.limit, partitions.attribute, current, pages)

    def _query_partition(self, query: ListQuery, attribute: str, value: str, cursor: Cursor) -> PartitionPage:
        names = {"#p": attribute}
        values: dict[str, Any] = {":p": {"S": value}}
        condition = "#p = :p"
        if query.start is not None or query.end is not None:
            names["#t"] = "timestamp"
        if query.start is not None and query.end is not None:
            condition += " AND #t BETWEEN :start AND :end"
            values[":start"] = self._serializer.serialize(query.start)
            values[":end"] = self._serializer.serialize(_end_bound(query.end))
        elif query.start is not None:
            condition += " AND #t >= :start"
            values[":start"] = self._serializer.serialize(query.start)
        elif query.end is not None:
            condition += " AND #t <= :end"
            values[":end"] = self._serializer.serialize(_end_bound(query.end))
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": query.index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": query.limit,
        }
        if query.provider_filter is not None:
            kwargs["FilterExpression"] = "#prov = :prov"
            names["#prov"] = "provider"
            values[":prov"] = {"S": query.provider_filter}
        if isinstance(cursor, dict):
            kwargs["ExclusiveStartKey"] = {k: self._serializer.serialize(v) for k, v in cursor.items()}
        with self._subsegment(f"## dynamodb.query {query.index}"):
            try:
                response = self._dynamodb.query(**kwargs)
            except ClientError as exc:
                if cursor is not None and exc.response.get("Error", {}).get("Code") == "ValidationException":
                    raise QueryError("next_token is invalid (use the value from the previous page)") from exc
                raise
        items = [self._plain(item) for item in response.get("Items", [])]
        last = response.get("LastEvaluatedKey")
        return PartitionPage(items, self._plain(last) if last else None)


class _NullContext:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# --- the API ----------------------------------------------------------------------------------------------------------


def _json_response(status: int, body: Mapping[str, Any]) -> Response[str]:
    return Response(status_code=status, content_type=_JSON, body=dumps_exact(body))


def build_app(
    store_for: Callable[[Mapping[str, str]], TransactionStore],
    logger: Logger,
    tracer: Tracer | None = None,
) -> APIGatewayRestResolver:
    """The resolver; ``store_for(stage_variables)`` returns the store for the request's stage (decision 1)."""
    app = APIGatewayRestResolver(strip_prefixes=[API_PREFIX], serializer=dumps_exact)

    def stage_variables() -> Mapping[str, str]:
        return app.current_event.stage_variables or {}

    def done(route: str, status: int, started: float, **fields: Any) -> None:
        logger.info(
            "query answered",
            extra={
                "route": route,
                "status_code": status,
                "outcome": "ok" if status < 400 else "rejected",
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                **fields,
            },
        )

    @app.exception_handler(QueryError)  # type: ignore[untyped-decorator]
    def bad_request(exc: QueryError) -> Response[str]:
        logger.info("query rejected", extra={"status_code": 400, "outcome": "bad_request", "reason": exc.message})
        return _json_response(400, {"message": exc.message})

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return _json_response(404, {"message": "no such route"})

    @app.get("/transactions/<transaction_id>")
    def get_transaction(transaction_id: str) -> Response[str]:
        started = time.perf_counter()
        wanted = unquote(transaction_id)
        # The id is caller input: traces and logs get it bounded and masked, and the 404 names no value (issue 8).
        shown = mask_id(wanted)
        if tracer is not None:
            tracer.put_annotation(key="transaction_id", value=shown)
        events = [to_api_item(item) for item in store_for(stage_variables()).events(wanted)]
        if not events:
            done("get_transaction", 404, started, transaction_id=shown)
            return _json_response(404, {"message": "transaction not found"})
        latest = events[0]
        done("get_transaction", 200, started, transaction_id=shown, provider=latest.get("provider"), count=len(events))
        return _json_response(
            200,
            {"transaction_id": wanted, "provider": latest.get("provider"), "latest": latest, "events": events},
        )

    @app.get("/transactions")
    def list_transactions() -> Response[str]:
        started = time.perf_counter()
        params = app.current_event.query_string_parameters or {}
        query = parse_list_query(params)
        token = params.get("next_token")
        store = store_for(stage_variables())
        partitions = store.partitions(query)
        cursors = decode_token(query, partitions, token) if token else None
        if tracer is not None:
            by_provider = query.partition_value if query.partition_key == "provider" else None
            tracer.put_annotation(key="provider", value=query.provider_filter or by_provider or "any")
        items, after = store.list(query, cursors)
        next_token = encode_token(query, partitions, after) if after else None
        done(
            "list_transactions",
            200,
            started,
            index=query.index,
            partitions=len(partitions.values),
            count=len(items),
            has_more=bool(next_token),
        )
        return _json_response(200, {"items": [to_api_item(item) for item in items], "next_token": next_token})

    return app


def build_lambda_handler(service: str = "transaction-query") -> Callable[[Mapping[str, Any], Any], dict[str, Any]]:
    """The Lambda entry point; the DynamoDB client is created once per cold start, the table per request's stage."""
    logger = get_logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME") or service)
    tracer = Tracer(service=service, patch_modules=["botocore"])
    dynamodb = boto3.client("dynamodb")
    shards = provider_shards()

    def store_for(stage_variables: Mapping[str, str]) -> TransactionStore:
        table = setting("DYNAMODB_TABLE", stage_variables)
        if not table:
            raise RuntimeError("DYNAMODB_TABLE is not configured")
        return TransactionStore(dynamodb, table, tracer, provider_shards=shards)

    app = build_app(store_for, logger, tracer)

    @tracer.capture_lambda_handler(capture_response=False)
    def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        result: dict[str, Any] = app.resolve(dict(event), context)
        return result

    typed_handler: Callable[[Mapping[str, Any], Any], dict[str, Any]] = handler
    return typed_handler
