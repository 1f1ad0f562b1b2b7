"""`webhookctl capacity` models every real tfvars file; its arithmetic follows DynamoDB's and the price file's rules."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from webhookdev.bench import capacity
from webhookdev.bench.capacity import Assumptions, load_prices, partitions, scenarios
from webhookdev.bench.items import all_sample_sizes, item_size, summarize
from webhookdev.bench.tfvars import effective_variables

REPO = Path(__file__).resolve().parents[2]
TFVARS = sorted((REPO / "environments").glob("*.tfvars"))


def _capacity(var_file: Path) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "webhookdev.cli", "capacity", "--var-file", str(var_file), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize("var_file", TFVARS, ids=[p.stem for p in TFVARS])
def test_capacity_models_every_environment_tfvars(var_file: Path) -> None:
    result = _capacity(var_file)
    assert result["environment"] == var_file.stem
    assert set(result["scenarios"]) == {"10k_per_minute", "provider_throttles", "stage_limit"}
    steady = result["scenarios"]["10k_per_minute"]
    assert steady["admitted_per_s"] == pytest.approx(166.7, abs=0.1)
    # 10,000/min is far inside every limit: no throttled validators, no backlog, no hot GSI key.
    assert not steady["lambda"]["validators_throttled"]
    assert steady["lambda"]["async_backlog_growth_per_s"] == 0
    assert not any(row["throttles"] for row in steady["gsi_partitions"].values())
    costs = result["cost_per_million"]
    for item in ("api_gateway", "lambda_requests", "lambda_duration", "dynamodb_writes", "s3_puts", "s3_storage",
                 "cloudwatch_logs_ingest", "xray", "cloudtrail_data_events"):  # fmt: skip
        assert costs[item] >= 0, item
    assert result["cost_per_million_total"] == pytest.approx(sum(costs.values()), abs=0.01)
    assert len(result["largest_cost_items"]) == 3


def test_stripe_throttle_overloads_one_gsi_key_and_the_model_names_the_shards_needed() -> None:
    result = _capacity(REPO / "environments" / "prod.tfvars")
    stripe = result["scenarios"]["provider_throttles"]["gsi_partitions"]["stripe"]
    # Every real item is under 1 KB, so one WCU per index write: 2,000 rps on one key is 2x a partition's 1,000.
    assert stripe["wcu_per_item"] == 1
    assert stripe["wcu_per_s_per_key"] == 2000
    assert stripe["throttles"]
    assert stripe["shards_needed"] == 3  # 2,000 / (1,000 x 80%)


def test_provider_shards_spread_the_gsi_key_pressure() -> None:
    sizes = summarize(all_sample_sizes())
    variables: dict[str, Any] = {"webhook_providers": {"stripe": {"throttling_rate_limit": 2000}}}
    unsharded = partitions({"stripe": 2000.0}, variables, sizes)["stripe"]
    sharded = partitions({"stripe": 2000.0}, {**variables, "provider_shards": 4}, sizes)["stripe"]
    per_provider = partitions({"stripe": 2000.0}, {**variables, "provider_shards": {"stripe": 2}}, sizes)["stripe"]
    assert unsharded["throttles"]
    assert unsharded["wcu_per_s_per_key"] == 2000
    assert not sharded["throttles"]
    assert sharded["wcu_per_s_per_key"] == 500
    assert per_provider["wcu_per_s_per_key"] == 1000
    assert per_provider["throttles"]


def test_item_size_follows_dynamodb_rules() -> None:
    # names + values: "a"(1) + "xyz"(3) = 4; "n"(1) + 12345 (5 digits -> 3 + 1) = 5; "m"(1) + map 3 + ("k"1 + "v"1 + 1)
    assert item_size({"a": "xyz", "n": 12345, "m": {"k": "v"}}) == 4 + 5 + 1 + 3 + 3


def test_prices_are_dated_sourced_and_use_the_november_2024_dynamodb_cut() -> None:
    prices = load_prices()
    date.fromisoformat(prices["as_of"])
    for name, price in prices["prices"].items():
        assert price["usd"] > 0, name
        assert re.match(r"https://", price["source"]), name
    assert prices["prices"]["dynamodb_on_demand_write_per_million"]["usd"] == 0.625


def test_firehose_delivery_replaces_the_per_event_processed_put() -> None:
    sizes = summarize(all_sample_sizes())
    prices = load_prices()
    variables = _capacity_variables()
    per_event = capacity.cost_per_million(variables, sizes, prices, Assumptions(), delivery="object_per_event")
    batched = capacity.cost_per_million(variables, sizes, prices, Assumptions(), delivery="firehose")
    assert per_event["s3_puts"] == pytest.approx(10.0)  # raw + processed: 2 x 1M x $0.005 / 1,000
    assert batched["s3_puts"] == pytest.approx(5.0)
    assert batched["cloudtrail_data_events"] == pytest.approx(per_event["cloudtrail_data_events"] / 2)
    assert 0 < batched["firehose"] < 1.0
    assert sum(batched.values()) < sum(per_event.values())


def test_scenarios_split_10k_per_minute_by_throttle() -> None:
    mix = scenarios(_capacity_variables())["10k_per_minute"]
    assert sum(mix.values()) == pytest.approx(10000 / 60)
    assert mix["stripe"] / mix["square"] == pytest.approx(2.0)


def _capacity_variables() -> dict[str, Any]:
    return effective_variables(REPO / "environments" / "prod.tfvars")
