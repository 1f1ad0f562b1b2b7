"""Issue 8, item 4: hostile query parameters get a 400 naming the parameter, never a 500."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import test_processing_query as query_tests
from test_processing_query import TOKEN_ERROR, get

# The query suite's fixtures, shared by name.
api = query_tests.api
seeded = query_tests.seeded

LIMIT_ERROR_PREFIX = "limit must be an integer from 1 to 100"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "\uff11\uff10", "5\u0663", "1e1", "+5", "0x10", "9" * 400])
def test_limit_with_non_ascii_or_odd_digits_is_400(api: Any, limit: str) -> None:
    status, body = get(api, "/api/v1/transactions", {"provider": "stripe", "limit": limit})
    assert status == 400
    assert body["message"].startswith(LIMIT_ERROR_PREFIX)


@pytest.mark.parametrize("start", ["\u0663", "\uff11\uff17"])
def test_time_bounds_take_ascii_digits_only(api: Any, start: str) -> None:
    status, body = get(api, "/api/v1/transactions", {"provider": "stripe", "start": start})
    assert status == 400
    assert body["message"].startswith("start must be a Unix timestamp")


GARBAGE_TOKENS = {
    "nested_array": _b64(b"[" * 5000 + b"]" * 5000),
    "nested_object": _b64(b'{"a":' * 3000 + b"1" + b"}" * 3000),
    "nested_in_cursor": _b64(b'{"v":2,"q":"x","c":"y","k":' + b"[" * 5000 + b"]" * 5000 + b"}"),
    "non_ascii": "t\u00f6k\u00e9n",
    "not_utf8": _b64(b"\xff\xfe\xfd"),
    "json_scalar": _b64(b"17"),
    "wrong_types": _b64(json.dumps({"v": [2], "q": {}, "k": "x", "c": None}).encode()),
    "huge": "A" * 100_000,
    "whitespace": "   ",
    "nul": "abc\x00def",
}


@pytest.mark.parametrize("token", GARBAGE_TOKENS.values(), ids=GARBAGE_TOKENS.keys())
def test_garbage_or_deeply_nested_next_token_is_400(api: Any, seeded: dict[str, Any], token: str) -> None:
    for params in ({"provider": "stripe"}, {"customer_id": "cus_pages"}):
        status, body = get(api, "/api/v1/transactions", {**params, "limit": "2", "next_token": token})
        assert (status, body) == (400, TOKEN_ERROR)
