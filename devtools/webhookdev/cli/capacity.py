"""`webhookctl capacity --var-file environments/prod.tfvars [--json]`: the capacity and cost model of a deployment.

The model is :mod:`webhookdev.bench.capacity`; this module is its command line and its text rendering.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from webhookdev.bench.capacity import Assumptions, model
from webhookdev.bench.tfvars import TfvarsError, effective_variables
from webhookdev.cli.errors import EXIT_OK, CliError

SCENARIO_TITLES = {
    "10k_per_minute": "10,000 webhooks/min (mix proportional to the provider throttles)",
    "provider_throttles": "every provider at its own throttle",
    "stage_limit": "the stage rate limit offered",
}


def register(commands: Any) -> None:
    """Add the ``capacity`` subcommand to ``webhookctl``'s subparsers."""
    p = commands.add_parser(
        "capacity",
        help="capacity and cost model of a deployment, from its tfvars",
        description=(
            "Lambda concurrency, async-queue event age, DynamoDB GSI partition pressure and cost per million "
            "webhooks, computed from a tfvars file, the real sample events and the dated price file."
        ),
    )
    p.add_argument("--var-file", type=Path, required=True, help="tfvars file, e.g. environments/prod.tfvars")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--validator-ms", type=float, help="warm validator duration to assume (default 40)")
    p.add_argument("--processor-ms", type=float, help="warm processor duration to assume (default 50)")


def compute(args: argparse.Namespace) -> dict[str, Any]:
    try:
        variables = effective_variables(args.var_file)
    except TfvarsError as exc:
        raise CliError(str(exc)) from exc
    overrides = {
        key: value
        for key, value in (("validator_ms", args.validator_ms), ("processor_ms", args.processor_ms))
        if value is not None
    }
    for key, value in overrides.items():
        if value <= 0:
            raise CliError(f"--{key.replace('_', '-')} must be positive", exit_code=2)
    return model(variables, Assumptions(**overrides))


def render(result: dict[str, Any]) -> str:
    """The model as a readable report."""
    lines = [f"capacity and cost model: environment {result['environment']}, prices as of {result['prices_as_of']}"]
    for name, scenario in result["scenarios"].items():
        lam = scenario["lambda"]
        lines.append("")
        lines.append(
            f"{SCENARIO_TITLES.get(name, name)}: offered {scenario['offered_per_s']:,.0f}/s, "
            f"admitted {scenario['admitted_per_s']:,.0f}/s"
        )
        validators = ", ".join(f"{p} {c:,.1f}" for p, c in lam["validators"].items())
        lines.append(
            f"  validators concurrency {validators} = {lam['validators_total']:,.1f} of {lam['unreserved_pool']} "
            f"unreserved ({lam['validators_share_of_unreserved']:.0%})"
            + ("  THROTTLED" if lam["validators_throttled"] else "")
        )
        lines.append(
            f"  processor needs {lam['processor_needed']:,.1f} of reserved {lam['processor_reserved']} "
            f"(sustains {lam['processor_capacity_per_s']:,.0f} events/s)"
        )
        if lam["async_backlog_growth_per_s"]:
            lines.append(
                f"  async queue grows {lam['async_backlog_growth_per_s']:,.0f}/s; a {lam['burst_seconds']:.0f} s burst "
                f"peaks at {lam['burst_max_event_age_s']:,.0f} s event age and drains in {lam['burst_drain_s']:,.0f} s"
                f" (max event age {lam['max_event_age_s']:,.0f} s"
                + (": EVENTS EXPIRE TO THE DLQ)" if lam["burst_events_expire"] else ")")
            )
        for provider, gsi in scenario["gsi_partitions"].items():
            lines.append(
                f"  ProviderTimestampIndex {provider}: {gsi['wcu_per_s_per_key']:,.0f} WCU/s per key "
                f"({gsi['shards']} shard(s), {gsi['wcu_per_item']} WCU/item) = {gsi['utilization']:.0%} of one "
                f"partition"
                + (f"  THROTTLES: needs provider_shards >= {gsi['shards_needed']}" if gsi["throttles"] else "")
            )
    lines.append("")
    lines.append(f"cost per million webhooks ({result['processed_log_delivery']}), USD:")
    for item, usd in sorted(result["cost_per_million"].items(), key=lambda kv: -kv[1]):
        lines.append(f"  {item:28s} {usd:9.2f}")
    lines.append(f"  {'total':28s} {result['cost_per_million_total']:9.2f}")
    lines.append(
        f"  = about ${result['cost_per_month_at_10k_per_minute']:,.0f} a month at 10,000/min "
        f"(steady state once retention is full: "
        f"the storage items are one month's data kept for its whole retention)"
    )
    lines.append("  largest: " + ", ".join(result["largest_cost_items"]))
    fixed = ", ".join(f"{k} {v:.2f}" for k, v in result["fixed_monthly"].items())
    lines.append(f"fixed per month, USD: {fixed}")
    lines.append("alternatives (USD per million, saving):")
    for alt in result["alternatives"]:
        lines.append(f"  {alt['change']}: {alt['per_million']:.2f} (saves {alt['saving_per_million']:.2f})")
        lines.append(f"      loses: {alt['trade_off']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    result = compute(args)
    print(json.dumps(result, indent=2, sort_keys=True) if args.json else render(result), flush=True)
    return EXIT_OK
