"""`webhookctl query`: URLs, parameters, the API key header, pagination and exit codes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from webhookdev.cli import main
from webhookdev.cli.errors import EXIT_ERROR, EXIT_OK, EXIT_REJECTED, CliError
from webhookdev.cli.query import QueryOptions, build_query, parse_time, resolve_auth
from webhookdev.cli.target import Target
from webhookdev.local import sigv4
from webhookdev.local.proxy import HttpRequest

NOW = 1_795_768_923  # 2026-11-27T08:42:03Z
BASE = "http://127.0.0.1:45661/local/api/v1/transactions"


@dataclass
class Api:
    url: str = ""
    seen: list[dict[str, Any]] = field(default_factory=list)
    answer: Callable[[str, dict[str, list[str]]], tuple[int, Any]] = lambda path, query: (200, {})
    #: (raw path with query, headers in the order received) of every request
    raw: list[tuple[str, tuple[tuple[str, str], ...]]] = field(default_factory=list)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    state = Api()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            state.seen.append({"path": parts.path, "query": query, "api_key": self.headers.get("x-api-key")})
            state.raw.append((self.path, tuple(self.headers.items())))
            status, body = state.answer(parts.path, query)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/local"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def write_stack(tmp_path: Path, base_url: str, key: str | None = "local-key") -> Path:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"base_url": base_url, "aws_endpoint_url": "http://127.0.0.1:1", "query_api_key": key}))
    return path


# --- pure: times, URLs, parameters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1764201600", 1764201600),
        ("now", NOW),
        ("-15m", NOW - 900),
        ("-2h", NOW - 7200),
        ("-7d", NOW - 7 * 86400),
        ("-1w", NOW - 604800),
        ("2026-11-27T08:00:00Z", 1795766400),
        ("2026-11-27T09:00:00+01:00", 1795766400),
        ("2026-11-27T08:00:00", 1795766400),
    ],
)
def test_times_parse_to_unix_seconds(text: str, expected: int) -> None:
    assert parse_time(text, now=NOW) == expected


def test_unreadable_time_is_a_clear_error() -> None:
    with pytest.raises(CliError, match="cannot read time 'yesterday'"):
        parse_time("yesterday", now=NOW)


def test_by_id_url_quotes_the_id() -> None:
    assert build_query(QueryOptions(transaction_id="pi_123"), BASE + "/", NOW) == (f"{BASE}/pi_123", {})
    assert build_query(QueryOptions(transaction_id="a/b c"), BASE, NOW) == (f"{BASE}/a%2Fb%20c", {})


def test_provider_listing_defaults_to_the_last_24_hours() -> None:
    assert build_query(QueryOptions(provider="stripe"), BASE, NOW) == (
        BASE,
        {"provider": "stripe", "start": str(NOW - 86400), "end": str(NOW)},
    )


def test_provider_listing_with_range_limit_and_token() -> None:
    options = QueryOptions(provider="square", start="-1h", end="1795768000", limit=25, next_token="tok==")
    assert build_query(options, BASE, NOW) == (
        BASE,
        {"provider": "square", "start": str(NOW - 3600), "end": "1795768000", "limit": "25", "next_token": "tok=="},
    )


def test_customer_listing_sends_only_what_was_given() -> None:
    assert build_query(QueryOptions(customer_id="cus_1"), BASE, NOW) == (BASE, {"customer_id": "cus_1"})
    assert build_query(QueryOptions(customer_id="cus_1", start="-1d"), BASE, NOW)[1] == {
        "customer_id": "cus_1",
        "start": str(NOW - 86400),
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (QueryOptions(), "give a transaction ID"),
        (QueryOptions(transaction_id="x", provider="stripe"), "cannot be combined with --provider"),
        (QueryOptions(transaction_id="x", all_pages=True), "cannot be combined with --all"),
        (QueryOptions(provider="stripe", customer_id="c"), "different indexes"),
        (QueryOptions(provider="stripe", start="now", end="-1h"), "--start is after --end"),
    ],
)
def test_contradictory_options_are_refused(options: QueryOptions, message: str) -> None:
    with pytest.raises(CliError, match=message):
        build_query(options, BASE, NOW)


# --- through main() against a real HTTP server -----------------------------------------------------------------------


def test_query_by_id_sends_the_stack_api_key_and_prints_json(
    tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    record = {"transaction_id": "pi_1", "provider": "stripe", "latest": {"amount": "20.00"}, "events": []}
    api.answer = lambda path, query: (200, record)
    assert main(["query", "pi_1", "--stack-file", str(write_stack(tmp_path, api.url))]) == EXIT_OK
    assert api.seen == [{"path": "/local/api/v1/transactions/pi_1", "query": {}, "api_key": "local-key"}]
    assert json.loads(capsys.readouterr().out) == record


def test_api_key_flag_beats_env_beats_stack(tmp_path: Path, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = str(write_stack(tmp_path, api.url))
    monkeypatch.setenv("WEBHOOKCTL_API_KEY", "env-key")
    main(["query", "x", "--stack-file", stack])
    main(["query", "x", "--stack-file", stack, "--api-key", "flag-key"])
    assert [s["api_key"] for s in api.seen] == ["env-key", "flag-key"]


def test_missing_api_key_is_explained(tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    stack = str(write_stack(tmp_path, api.url, key=None))
    assert main(["query", "x", "--stack-file", stack]) == EXIT_ERROR
    assert "--api-key" in capsys.readouterr().err
    assert api.seen == []


def test_not_found_exits_3_and_still_prints_the_body(
    tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer = lambda path, query: (404, {"message": "transaction not found"})
    assert main(["query", "nope", "--stack-file", str(write_stack(tmp_path, api.url))]) == EXIT_REJECTED
    captured = capsys.readouterr()
    assert "HTTP 404: transaction not found" in captured.err
    assert json.loads(captured.out) == {"message": "transaction not found"}


def test_all_follows_next_token_and_merges_pages(tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    pages = {None: ([1, 2], "t1"), "t1": ([3], "t2"), "t2": ([4], None)}

    def answer(path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        items, token = pages[query.get("next_token", [None])[0]]
        return 200, {"items": [{"n": n} for n in items], "next_token": token}

    api.answer = answer
    stack = str(write_stack(tmp_path, api.url))
    argv = ["query", "--provider", "paypal", "--start", "1795700000", "--end", "1795768923", "--limit", "2", "--all"]
    assert main([*argv, "--stack-file", stack]) == EXIT_OK
    assert json.loads(capsys.readouterr().out) == {"items": [{"n": n} for n in (1, 2, 3, 4)], "next_token": None}
    assert [s["query"].get("next_token") for s in api.seen] == [None, ["t1"], ["t2"]]
    for seen in api.seen:
        assert seen["path"] == "/local/api/v1/transactions"
        assert seen["query"]["provider"] == ["paypal"]
        assert seen["query"]["start"] == ["1795700000"]
        assert seen["query"]["end"] == ["1795768923"]
        assert seen["query"]["limit"] == ["2"]


def test_relative_times_work_as_separate_arguments(tmp_path: Path, api: Api) -> None:
    api.answer = lambda path, query: (200, {"items": [], "next_token": None})
    stack = str(write_stack(tmp_path, api.url))
    assert main(["query", "--provider", "stripe", "--start", "-2h", "--end", "-1h", "--stack-file", stack]) == EXIT_OK
    [seen] = api.seen
    start, end = int(seen["query"]["start"][0]), int(seen["query"]["end"][0])
    assert end - start == 3600


def test_bad_query_is_refused_before_looking_for_a_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--stack-file", str(tmp_path / "absent.json")]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "give a transaction ID" in err
    assert "make up" not in err


# --- AWS_IAM deployments: SigV4 with the caller's credentials --------------------------------------------------------


def write_iam_stack(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "stack.json"
    path.write_text(
        json.dumps(
            {
                "base_url": base_url,
                "aws_endpoint_url": "http://127.0.0.1:1",
                "query_api_key": None,
                "region": "us-east-1",
                "outputs": {"query_api_authorization": {"value": "AWS_IAM", "type": "string", "sensitive": False}},
            }
        )
    )
    return path


def received(api: Api, index: int = 0) -> tuple[HttpRequest, str]:
    """The request as the local gateway would see it, and the URL it was sent to."""
    raw_path, headers = api.raw[index]
    host = {k.lower(): v for k, v in headers}["host"]
    parts = urlsplit(raw_path)
    stage_path = "/" + parts.path.split("/", 2)[2]
    request = HttpRequest("GET", stage_path, parts.query, headers, b"", "127.0.0.1", host)
    return request, f"http://{host}{raw_path}"


def test_iam_mode_signs_with_sigv4_and_sends_no_api_key(
    tmp_path: Path, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOKCTL_API_KEY", "env-key")
    stack = str(write_iam_stack(tmp_path, api.url))

    assert main(["query", "--customer-id", "cus 1/ü", "--limit", "2", "--stack-file", stack]) == EXIT_OK

    assert api.seen[0]["api_key"] is None
    request, url = received(api)
    authorization = request.header("authorization") or ""
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert "/us-east-1/execute-api/aws4_request" in authorization
    # The local gateway's verifier (botocore recomputation with the stack's credentials) accepts it.
    assert sigv4.verify(request, url=url, credentials=sigv4.LocalCredentials.of_stack()).access_key == "testing"


def test_iam_mode_signs_every_page(tmp_path: Path, api: Api) -> None:
    pages = {None: {"items": [{"transaction_id": "a"}], "next_token": "t2"}, "t2": {"items": [], "next_token": None}}
    api.answer = lambda path, query: (200, pages[query.get("next_token", [None])[0]])

    assert main(["query", "--customer-id", "c", "--all", "--stack-file", str(write_iam_stack(tmp_path, api.url))]) == 0

    assert len(api.raw) == 2
    for index in range(2):
        request, url = received(api, index)
        sigv4.verify(request, url=url, credentials=sigv4.LocalCredentials.of_stack())


def test_iam_mode_refuses_an_api_key_flag(tmp_path: Path, api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    stack = str(write_iam_stack(tmp_path, api.url))

    assert main(["query", "x", "--api-key", "k", "--stack-file", stack]) == EXIT_ERROR
    assert "AWS_IAM" in capsys.readouterr().err
    assert api.seen == []


def test_aws_target_signs_with_the_callers_credentials_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIACALLER")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    target = Target(
        name="aws",
        base_url=None,
        outputs={
            "api_url": "https://abc.execute-api.eu-west-1.amazonaws.com/prod",
            "query_api_authorization": "AWS_IAM",
        },
        region="eu-west-1",
    )

    auth = resolve_auth(QueryOptions(transaction_id="x"), target)
    prepared = requests.Request("GET", f"{target.transactions_url()}/x", auth=auth).prepare()

    assert "Credential=AKIACALLER/" in prepared.headers["Authorization"]
    assert "/eu-west-1/execute-api/aws4_request" in prepared.headers["Authorization"]
    assert "x-api-key" not in prepared.headers


def test_a_deployment_without_the_output_keeps_the_api_key() -> None:
    target = Target(name="local", base_url="http://127.0.0.1:1/local", query_api_key="stack-key")

    prepared = requests.Request("GET", "http://127.0.0.1:1/local/x", auth=resolve_auth(QueryOptions(), target))

    assert prepared.prepare().headers["x-api-key"] == "stack-key"
