"""The REST v1 proxy event, route matching and proxy-response mapping (pure functions)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
from webhookdev.local.proxy import (
    HttpRequest,
    MalformedResponse,
    map_proxy_response,
    match_route,
    proxy_event,
)

from .builders import api, method


def request(path: str, **overrides: object) -> HttpRequest:
    fields: dict[str, object] = {
        "method": "POST",
        "path": path,
        "query": "",
        "headers": (("Content-Type", "application/json"),),
        "body": b'{"id": "x"}',
        "source_ip": "127.0.0.1",
        "host": "127.0.0.1:45661",
    }
    fields.update(overrides)
    return HttpRequest(**fields)  # type: ignore[arg-type]


def test_literal_segment_wins_over_path_parameter() -> None:
    deployed = api(method("/items/{id}", "GET"), method("/items/latest", "GET"))

    route = match_route(deployed, "/items/latest", "GET")

    assert route is not None
    assert route.method.resource_path == "/items/latest"
    assert route.path_parameters == {}


def test_path_parameters_and_greedy_proxy_are_extracted() -> None:
    deployed = api(method("/items/{id}", "GET"), method("/files/{proxy+}", "ANY"))

    item = match_route(deployed, "/items/42", "GET")
    files = match_route(deployed, "/files/a/b/c.txt", "DELETE")

    assert item is not None
    assert item.path_parameters == {"id": "42"}
    assert files is not None
    assert files.path_parameters == {"proxy": "a/b/c.txt"}


def test_unknown_method_or_path_matches_nothing() -> None:
    deployed = api(method("/items/{id}", "GET"))

    assert match_route(deployed, "/items/42", "POST") is None
    assert match_route(deployed, "/items/42/extra", "GET") is None


def test_proxy_event_carries_headers_query_stage_and_identity() -> None:
    deployed = api(method("/items/{id}", "GET"))
    route = match_route(deployed, "/items/7", "GET")
    assert route is not None
    incoming = request(
        "/items/7",
        method="GET",
        query="a=1&a=2&b=x",
        headers=(("X-Repeat", "one"), ("X-Repeat", "two"), ("User-Agent", "ua")),
        body=b"",
    )

    event = proxy_event(deployed, route, incoming, "req-1", authorizer={"principalId": "p"}, api_key=("key1", "v"))

    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/7"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["X-Repeat"] == "two"
    assert event["multiValueHeaders"]["X-Repeat"] == ["one", "two"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] == {"id": "7"}
    assert event["stageVariables"] == {"table": "t"}
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["stage"] == "local"
    assert context["resourcePath"] == "/items/{id}"
    assert context["path"] == "/local/items/7"
    assert context["httpMethod"] == "GET"
    assert context["requestId"] == "req-1"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["apiKey"] == "v"
    assert context["identity"]["apiKeyId"] == "key1"
    assert context["authorizer"] == {"principalId": "p"}


def test_text_bodies_are_passed_as_is_and_binary_ones_base64() -> None:
    deployed = api(method("/up", "POST"))
    route = match_route(deployed, "/up", "POST")
    assert route is not None
    form = request("/up", headers=(("Content-Type", "application/x-www-form-urlencoded"),), body=b"a=1&b=%20")
    binary = request("/up", headers=(("Content-Type", "application/octet-stream"),), body=b"\x00\xff")

    assert proxy_event(deployed, route, form, "r")["body"] == "a=1&b=%20"
    event = proxy_event(deployed, route, binary, "r")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x00\xff"


def test_deployed_binary_media_types_force_base64() -> None:
    deployed = replace(api(method("/up", "POST")), binary_media_types=("application/json",))
    route = match_route(deployed, "/up", "POST")
    assert route is not None

    event = proxy_event(deployed, route, request("/up"), "r")

    assert event["isBase64Encoded"] is True


def test_proxy_response_merges_header_maps_and_decodes_base64() -> None:
    payload = {
        "statusCode": 201,
        "headers": {"X-One": "1", "X-Multi": "a"},
        "multiValueHeaders": {"X-Multi": ["a", "b"]},
        "body": base64.b64encode(b"\x01\x02").decode(),
        "isBase64Encoded": True,
    }

    response = map_proxy_response(json.dumps(payload).encode())

    assert response.status == 201
    assert sorted(response.headers) == [("X-Multi", "a"), ("X-Multi", "b"), ("X-One", "1")]
    assert response.body == b"\x01\x02"


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"body": "no status"}',
        b'{"statusCode": "200"}',
        b'{"statusCode": 200, "body": {"not": "a string"}}',
        b'{"statusCode": 200, "multiValueHeaders": {"X": "not-a-list"}}',
    ],
)
def test_malformed_proxy_responses_are_rejected(payload: bytes) -> None:
    with pytest.raises(MalformedResponse):
        map_proxy_response(payload)
