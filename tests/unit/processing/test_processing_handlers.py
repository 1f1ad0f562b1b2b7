"""The thin entry points (lambda/processor/index.py, lambda/query/index.py) wire configuration to the package."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import TABLE, sample_event

ROOT = Path(__file__).resolve().parents[3]


def load_index(function_dir: str) -> ModuleType:
    path = ROOT / "lambda" / function_dir / "index.py"
    spec = importlib.util.spec_from_file_location(f"index_{function_dir}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_processor_then_query_entry_points(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "entry-points")
    processor = load_index("processor")
    query = load_index("query")
    result = processor.handler(sample_event("paypal", "checkout_order_completed"), None)
    assert result["results"][0]["outcome"] == "processed"
    response = query.handler(
        {
            "resource": "/api/v1/transactions/{id}",
            "path": "/api/v1/transactions/5O190127TN364715T",
            "httpMethod": "GET",
            "headers": {"x-api-key": "local"},
            "queryStringParameters": None,
            "pathParameters": {"id": "5O190127TN364715T"},
            "stageVariables": {"dynamodb_table": TABLE},
            "requestContext": {"stage": "dev", "resourcePath": "/api/v1/transactions/{id}", "httpMethod": "GET"},
            "body": None,
            "isBase64Encoded": False,
        },
        None,
    )
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["latest"]["event_type"] == "payment.success"
    assert body["latest"]["amount"] == "26.99"
    assert body["latest"]["metadata"]["capture_id"] == "2GG279541U471931P"
