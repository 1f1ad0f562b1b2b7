"""Capacity and cost model of one deployment, computed from its tfvars (``webhookctl capacity``).

Inputs, and nothing typed twice:

* the effective variables of a tfvars file (:mod:`webhookdev.bench.tfvars`: OpenTofu types and defaults them);
* the stored sizes of the real sample events (:mod:`webhookdev.bench.items`);
* list prices from ``prices.json`` (one file, dated, with sources);
* the :class:`Assumptions` below: what a model cannot read from configuration (warm durations, log bytes per
  request). Each says where its number comes from; change them with the CLI options when you have measured better.

Scenarios: the request's 10,000 webhooks a minute (mix proportional to the providers' throttles), every provider at
its own throttle at once, and the stage's rate limit (API Gateway caps each provider at its usage-plan throttle, so the
stage limit above their sum is shown as offered, and the admitted rate is the sum).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from webhookdev.bench.items import ProviderSizes, all_sample_sizes, summarize

PRICES_FILE = Path(__file__).resolve().parent / "prices.json"
ACCOUNT_CONCURRENCY = 1000
GSI_PARTITION_WCU = 1000  # DynamoDB: one partition sustains about 1,000 WCU/s (and 3,000 RCU/s)
GSI_TARGET_UTILIZATION = 0.8  # shards_needed keeps each key at or below 80% of a partition
GSI_STORAGE_OVERHEAD_BYTES = 100  # DynamoDB adds ~100 bytes per index entry
MILLION = 1_000_000
SECONDS_PER_MONTH = 30 * 86400
METRICS_PER_PROVIDER = 12  # EMF metric names x the provider dimension (validator 8, processor 4)
ALARMS = 30  # the root module's alarms, order of magnitude (per function, per provider, API, DynamoDB, DLQ)


@dataclass(frozen=True)
class Assumptions:
    """What the configuration cannot say. Defaults: the basis is in each comment."""

    validator_ms: float = 40.0  # warm: S3 conditional PutObject (~15-25 ms) + async Invoke (~10 ms) + ~1 ms CPU
    processor_ms: float = 50.0  # warm: GetItem + S3 PutObject + conditional PutItem + ~2 ms CPU
    validator_log_bytes: int = 1700  # START/END/REPORT ~350 + "Webhook accepted" JSON ~600 + EMF blob ~750
    processor_log_bytes: int = 1600  # START/END/REPORT ~350 + "event processed" JSON ~600 + EMF blob ~650
    api_access_log_bytes: int = 450  # one JSON access-log line per request
    api_execution_log_bytes_info: int = 3000  # INFO execution logging: ~20 lines per request
    api_execution_log_bytes_error: int = 0  # ERROR: nothing for a successful request
    log_compression_ratio: float = 0.15  # CloudWatch bills archived logs compressed
    burst_seconds: float = 60.0  # a burst of this length at the scenario's rate, then back to 10,000/min
    firehose_buffer_seconds: float = 300.0  # used when the tfvars do not set a Firehose buffer interval


def load_prices(path: Path = PRICES_FILE) -> dict[str, Any]:
    """The price file as stored (``as_of``, ``prices`` with ``usd``, ``unit``, ``source``)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _usd(prices: Mapping[str, Any], name: str) -> float:
    return float(prices["prices"][name]["usd"])


def _wcu(size_bytes: float) -> int:
    return max(1, math.ceil(size_bytes / 1024))


def _providers(variables: Mapping[str, Any]) -> dict[str, float]:
    """Enabled providers and their throttles (rps)."""
    return {
        name: float(p["throttling_rate_limit"])
        for name, p in sorted(variables["webhook_providers"].items())
        if p.get("enabled", True)
    }


def _shards(variables: Mapping[str, Any], provider: str) -> int:
    """``provider_shards`` (helper scale's variable): a number, or a map per provider; 1 when absent."""
    value = variables.get("provider_shards", 1)
    if isinstance(value, Mapping):
        value = value.get(provider, 1)
    return max(1, int(value or 1))


def _sizes_for(sizes: Mapping[str, ProviderSizes], provider: str) -> ProviderSizes:
    if provider in sizes:
        return sizes[provider]
    # A provider without samples: the largest known sizes (conservative).
    worst = max(sizes.values(), key=lambda s: s.item_max)
    return ProviderSizes(provider, 0, worst.raw_max, worst.raw_max, worst.item_max, worst.item_max,
                         worst.processed_max, worst.processed_max, 1.0)  # fmt: skip


def scenarios(variables: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """Offered rate per provider (rps) in each scenario."""
    throttles = _providers(variables)
    total_throttle = sum(throttles.values())
    per_minute = {p: 10000 / 60 * t / total_throttle for p, t in throttles.items()}
    stage = float(variables["api_throttling_rate_limit"])
    stage_offered = {p: stage * t / total_throttle for p, t in throttles.items()}
    return {
        "10k_per_minute": per_minute,
        "provider_throttles": dict(throttles),
        "stage_limit": stage_offered,
    }


def _admitted(offered: Mapping[str, float], variables: Mapping[str, Any]) -> dict[str, float]:
    throttles = _providers(variables)
    admitted = {p: min(rate, throttles[p]) for p, rate in offered.items()}
    stage = float(variables["api_throttling_rate_limit"])
    total = sum(admitted.values())
    if total > stage:
        admitted = {p: r * stage / total for p, r in admitted.items()}
    return admitted


def concurrency(
    admitted: Mapping[str, float], variables: Mapping[str, Any], assumptions: Assumptions
) -> dict[str, Any]:
    """Lambda concurrency (rate x duration) against reserved concurrency and the account limit."""
    total = sum(admitted.values())
    reserved = int(variables["processor_reserved_concurrency"])
    validators = {p: rate * assumptions.validator_ms / 1000 for p, rate in admitted.items()}
    processor_needed = total * assumptions.processor_ms / 1000
    processor_capacity = reserved / (assumptions.processor_ms / 1000)  # events/s the reserved pool sustains
    baseline = 10000 / 60
    backlog_rate = max(0.0, total - processor_capacity)
    burst = assumptions.burst_seconds
    # FIFO approximation of Lambda's async queue: the last event of the burst waits for the backlog ahead of it;
    # the queue is empty again once the backlog drains at (capacity - baseline).
    max_age = backlog_rate * burst / processor_capacity if backlog_rate else 0.0
    drain = backlog_rate * burst / (processor_capacity - baseline) if backlog_rate else 0.0
    unreserved = ACCOUNT_CONCURRENCY - reserved
    validator_total = sum(validators.values())
    max_event_age = float(variables["processor_max_event_age_seconds"])
    return {
        "validators": {p: round(c, 1) for p, c in validators.items()},
        "validators_total": round(validator_total, 1),
        "unreserved_pool": unreserved,
        "validators_share_of_unreserved": round(validator_total / unreserved, 3),
        "validators_throttled": validator_total > unreserved,
        "processor_needed": round(processor_needed, 1),
        "processor_reserved": reserved,
        "processor_capacity_per_s": round(processor_capacity, 1),
        "async_backlog_growth_per_s": round(backlog_rate, 1),
        "burst_seconds": burst,
        "burst_max_event_age_s": round(max_age, 1),
        "burst_drain_s": round(drain, 1),
        "max_event_age_s": max_event_age,
        "burst_events_expire": max_age > max_event_age,
    }


def partitions(
    admitted: Mapping[str, float], variables: Mapping[str, Any], sizes: Mapping[str, ProviderSizes]
) -> dict[str, Any]:
    """Write pressure on each ``ProviderTimestampIndex`` key (provider, or provider#k with sharding)."""
    rows = {}
    for provider, rate in admitted.items():
        wcu = _wcu(_sizes_for(sizes, provider).item_max)
        shards = _shards(variables, provider)
        per_key = rate * wcu / shards
        rows[provider] = {
            "rate_per_s": round(rate, 1),
            "wcu_per_item": wcu,
            "shards": shards,
            "wcu_per_s_per_key": round(per_key, 1),
            "partition_limit_wcu": GSI_PARTITION_WCU,
            "utilization": round(per_key / GSI_PARTITION_WCU, 3),
            "throttles": per_key >= GSI_PARTITION_WCU,
            "shards_needed": max(1, math.ceil(rate * wcu / (GSI_PARTITION_WCU * GSI_TARGET_UTILIZATION))),
        }
    return rows


def _log_bytes(variables: Mapping[str, Any], sizes: ProviderSizes, assumptions: Assumptions) -> float:
    level = str(variables.get("api_logging_level", "INFO")).upper()
    execution = {"INFO": assumptions.api_execution_log_bytes_info, "ERROR": assumptions.api_execution_log_bytes_error}
    data_trace = variables.get("api_data_trace_enabled")
    if data_trace is None:
        data_trace = variables["environment"] != "prod"
    trace_bytes = 2 * sizes.raw_median + 1024 if data_trace else 0
    return (
        assumptions.validator_log_bytes
        + assumptions.processor_log_bytes
        + assumptions.api_access_log_bytes
        + execution.get(level, 0)
        + trace_bytes
    )


def _traces(variables: Mapping[str, Any], seconds: float, sampling_rate: float | None) -> float:
    """Traces recorded for one million requests arriving over ``seconds``: the reservoir per second, then the rate."""
    m = MILLION
    if not variables.get("enable_xray_sampling_rule", True) and sampling_rate is None:
        return min(m, 1 * seconds + 0.05 * (m - seconds))  # X-Ray's default rule: 1/s + 5%
    sampling = variables.get("xray_sampling") or {}
    rate = float(sampling.get("fixed_rate", 0.1)) if sampling_rate is None else sampling_rate
    reservoir = float(sampling.get("reservoir_size", 1))
    return min(m, reservoir * seconds + rate * max(0.0, m - reservoir * seconds))


def _firehose(
    variables: Mapping[str, Any],
    prices: Mapping[str, Any],
    assumptions: Assumptions,
    *,
    processed_bytes: float,
    partitions_per_interval: int,
    seconds: float,
) -> float:
    """Firehose for one million processed records: ingestion (5 KB rounding per record), dynamic partitioning by
    GB and by delivered object, and the JQ hours of the partition-key extraction."""
    m = MILLION
    record_gb = math.ceil(processed_bytes / 5120) * 5120 * m / 1e9
    buffering = variables.get("processed_log_buffering") or {}
    buffer = float(buffering.get("interval_seconds") or assumptions.firehose_buffer_seconds)
    objects = partitions_per_interval * seconds / buffer
    return (
        record_gb * _usd(prices, "firehose_ingest_gb")
        + processed_bytes * m / 1e9 * _usd(prices, "firehose_dynamic_partitioning_gb")
        + objects / 1000 * _usd(prices, "firehose_dynamic_partitioning_per_thousand_objects")
        + seconds / 3600 * _usd(prices, "firehose_jq_hour")
    )


def cost_per_million(
    variables: Mapping[str, Any],
    sizes: Mapping[str, ProviderSizes],
    prices: Mapping[str, Any],
    assumptions: Assumptions,
    *,
    delivery: str | None = None,
    api: str = "rest",
    api_logging_level: str | None = None,
    sampling_rate: float | None = None,
    record_ttl_days: float | None = None,
) -> dict[str, float]:
    """USD per million webhooks (the 10,000/min mix), one entry per cost item. Storage is for the whole retention."""
    mix = scenarios(variables)["10k_per_minute"]
    total_rate = sum(mix.values())
    share = {p: r / total_rate for p, r in mix.items()}

    def weighted(attr: str) -> float:
        return sum(share[p] * float(getattr(_sizes_for(sizes, p), attr)) for p in share)

    overrides: dict[str, Any] = dict(variables)
    if api_logging_level is not None:
        overrides["api_logging_level"] = api_logging_level
    delivery = delivery or str(variables.get("processed_log_delivery") or "object_per_event")
    firehose = delivery == "firehose"
    item = weighted("item_median")
    customer_share = weighted("customer_id_share")
    raw = weighted("raw_median")
    processed = weighted("processed_median")
    retention_months_raw = float(variables["raw_payload_retention_days"]) / 30
    retention_months_log = float(variables["transaction_log_retention_days"]) / 30
    # The processor's TTL: RECORD_TTL_DAYS, 7 years by default; without a TTL attribute, priced as 10 years.
    ttl_months = (record_ttl_days or 2557) / 30 if variables.get("transaction_ttl_attribute") else 120.0
    m = MILLION
    costs: dict[str, float] = {}
    costs["api_gateway"] = _usd(prices, f"api_gateway_{api}_per_million")
    costs["lambda_requests"] = 2 * _usd(prices, "lambda_requests_per_million")
    gb_s = (
        float(variables["validator_memory_size"]) / 1024 * assumptions.validator_ms / 1000
        + float(variables["processor_memory_size"]) / 1024 * assumptions.processor_ms / 1000
    ) * m
    costs["lambda_duration"] = gb_s * _usd(prices, "lambda_arm64_gb_second")
    wru = _wcu(item) * (1 + 1 + customer_share)  # table + ProviderTimestampIndex + CustomerIndex when keyed
    costs["dynamodb_writes"] = wru * _usd(prices, "dynamodb_on_demand_write_per_million")
    costs["dynamodb_reads"] = 1 * _usd(prices, "dynamodb_on_demand_read_per_million")  # the consistent GetItem
    stored = item + (1 + customer_share) * (item + GSI_STORAGE_OVERHEAD_BYTES)
    costs["dynamodb_storage"] = stored * m / 1e9 * _usd(prices, "dynamodb_storage_gb_month") * ttl_months
    puts = 1 if firehose else 2
    costs["s3_puts"] = puts * m / 1000 * _usd(prices, "s3_put_per_thousand")
    storage_gb_months = raw * m / 1e9 * retention_months_raw + processed * m / 1e9 * retention_months_log
    costs["s3_storage"] = storage_gb_months * _usd(prices, "s3_standard_gb_month")
    log_gb = _log_bytes(overrides, ProviderSizes("mix", 0, raw, 0, item, 0, processed, 0, 0), assumptions) * m / 1e9
    costs["cloudwatch_logs_ingest"] = log_gb * _usd(prices, "cloudwatch_logs_ingest_gb")
    log_months = max(float(v) for v in variables["log_retention_days"].values()) / 30
    costs["cloudwatch_logs_storage"] = (
        log_gb * assumptions.log_compression_ratio * log_months * _usd(prices, "cloudwatch_logs_storage_gb_month")
    )
    seconds = m / total_rate
    costs["xray"] = _traces(variables, seconds, sampling_rate) / m * _usd(prices, "xray_traces_recorded_per_million")
    if variables.get("enable_cloudtrail", True):
        mode = str(variables.get("cloudtrail_data_events_read_write_type", "All"))
        events = 0.0 if mode == "ReadOnly" else float(puts)
        costs["cloudtrail_data_events"] = events * m / 100_000 * _usd(prices, "cloudtrail_data_events_per_100k")
    else:
        costs["cloudtrail_data_events"] = 0.0
    if firehose:
        costs["firehose"] = _firehose(
            variables, prices, assumptions, processed_bytes=processed, partitions_per_interval=len(mix), seconds=seconds
        )
    # Secrets Manager calls (cold starts, one refresh a minute at most on mismatches) and SQS (only DLQ'd events)
    # are per month, not per webhook: see fixed_monthly().
    return {name: round(value, 4) for name, value in costs.items()}


def fixed_monthly(variables: Mapping[str, Any], prices: Mapping[str, Any]) -> dict[str, float]:
    """Costs that do not grow with traffic."""
    providers = len(_providers(variables))
    return {
        "secrets_manager": round(providers * _usd(prices, "secrets_manager_secret_month"), 2),
        "secrets_manager_calls": round(
            providers * 60 * 24 * 30 / 10_000 * _usd(prices, "secrets_manager_per_10k_calls"), 2
        ),  # worst case: every minute a signature mismatch re-reads each secret
        "cloudwatch_metrics": round(providers * METRICS_PER_PROVIDER * _usd(prices, "cloudwatch_metric_month"), 2),
        "cloudwatch_alarms": round(ALARMS * _usd(prices, "cloudwatch_alarm_month"), 2),
        "sqs_dlq_per_million_failed": round(3 * _usd(prices, "sqs_standard_per_million"), 2),
    }


def alternatives(
    variables: Mapping[str, Any],
    sizes: Mapping[str, ProviderSizes],
    prices: Mapping[str, Any],
    assumptions: Assumptions,
) -> list[dict[str, Any]]:
    """What a cost-conscious team asks about, each priced against the configuration as given."""
    base = sum(cost_per_million(variables, sizes, prices, assumptions).values())

    def delta(label: str, loses: str, **kwargs: Any) -> dict[str, Any]:
        total = sum(cost_per_million(variables, sizes, prices, assumptions, **kwargs).values())
        return {"change": label, "per_million": round(total, 2), "saving_per_million": round(base - total, 2),
                "trade_off": loses}  # fmt: skip

    item = max(s.item_max for s in sizes.values())
    return [
        delta(
            "HTTP API instead of REST",
            "usage plans and API keys (per-provider throttles and the one-provider kill switch, decision 12), "
            "JSON Schema request validation before any Lambda runs (decision 15), WAF association, X-Ray at the API",
            api="http",
        ),
        delta(
            "API execution logging ERROR instead of INFO",
            "per-request execution detail (integration latency, authorizer result) for successful requests",
            api_logging_level="ERROR",
        ),
        delta(
            "X-Ray sampling 1% instead of the configured rate", "fewer traces of normal requests", sampling_rate=0.01
        ),
        delta(
            "processed log via Firehose (batched) instead of one object per event",
            "processed objects appear after the buffer interval, not at once; DynamoDB stays the system of record",
            delivery="firehose",
        ),
        delta(
            "one object per event (the variable's default) for comparison",
            "nothing: each processed object appears at once under the request's per-event path",
            delivery="object_per_event",
        ),
        delta(
            "DynamoDB records kept 1 year (processor RECORD_TTL_DAYS=365) instead of 7",
            "the query API answers only the last year; older transactions stay in both S3 buckets (7 years) and "
            "are re-processable from the raw archive",
            record_ttl_days=365,
        ),
        {
            "change": "GSI projection KEYS_ONLY or INCLUDE instead of ALL",
            "per_million": round(base, 2),
            "saving_per_million": 0.0,
            "trade_off": f"no write saving: items are at most {item} B, under the 1 KB write unit, so every index "
            "write costs 1 WCU whatever is projected; queries would then need a GetItem per result",
        },
    ]


def model(variables: Mapping[str, Any], assumptions: Assumptions | None = None) -> dict[str, Any]:
    """The whole model for one tfvars' variables."""
    assumptions = assumptions or Assumptions()
    prices = load_prices()
    sizes = summarize(all_sample_sizes())
    result: dict[str, Any] = {
        "environment": variables["environment"],
        "prices_as_of": prices["as_of"],
        "assumptions": asdict(assumptions),
        "item_sizes": {p: asdict(s) for p, s in sizes.items()},
        "scenarios": {},
    }
    for name, offered in scenarios(variables).items():
        admitted = _admitted(offered, variables)
        result["scenarios"][name] = {
            "offered_per_s": round(sum(offered.values()), 1),
            "admitted_per_s": round(sum(admitted.values()), 1),
            "lambda": concurrency(admitted, variables, assumptions),
            "gsi_partitions": partitions(admitted, variables, sizes),
        }
    costs = cost_per_million(variables, sizes, prices, assumptions)
    total = sum(costs.values())
    result["cost_per_million"] = costs
    result["cost_per_million_total"] = round(total, 2)
    result["cost_per_month_at_10k_per_minute"] = round(total * 10000 * 60 * 24 * 30 / MILLION, 0)
    result["largest_cost_items"] = sorted(costs, key=lambda k: costs[k], reverse=True)[:3]
    result["fixed_monthly"] = fixed_monthly(variables, prices)
    result["alternatives"] = alternatives(variables, sizes, prices, assumptions)
    result["processed_log_delivery"] = str(variables.get("processed_log_delivery") or "object_per_event")
    return result
