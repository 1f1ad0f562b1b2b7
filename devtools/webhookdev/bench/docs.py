"""docs/performance.md, generated from docs/figures/bench.json and docs/figures/capacity.json (never typed by hand).

python -m webhookdev.bench.docs            # recompute the capacity model, rewrite capacity.json and the page
python -m webhookdev.bench.docs --check    # exit 1 if the page or capacity.json is stale (a test runs this)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from webhookdev.bench.capacity import load_prices, model
from webhookdev.bench.tfvars import effective_variables

REPO = Path(__file__).resolve().parents[3]
BENCH_JSON = REPO / "docs" / "figures" / "bench.json"
CAPACITY_JSON = REPO / "docs" / "figures" / "capacity.json"
PERFORMANCE_MD = REPO / "docs" / "performance.md"
ENVIRONMENTS = REPO / "environments"


def capacity_all() -> dict[str, Any]:
    """The capacity model of every environments/*.tfvars."""
    return {p.stem: model(effective_variables(p)) for p in sorted(ENVIRONMENTS.glob("*.tfvars"))}


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def summary_table(bench: dict[str, Any]) -> str:
    """The one table: each figure, its goal, and the command that reproduces it."""
    rows = ["| figure | measured | goal | verdict | reproduce |", "|---|---|---|---|---|"]
    cold = bench.get("coldstart", {}).get("functions", {})
    for function, row in cold.items():
        goal = "≤ 1.15x floor, ≤ 0.5x naive" if "within_goal" in row else "—"
        measured = (
            f"{_ms(row['ours_ms'])} wall (x{row['ratio_to_floor']:.2f} floor, x{row['ratio_to_naive']:.2f} naive); "
            f"CPU x{row['cpu_ratio_to_floor']:.2f} / x{row['cpu_ratio_to_naive']:.2f}"
        )
        verdict = _verdict(row.get("within_goal")) + (
            f" (CPU: {_verdict(row.get('cpu_within_goal'))})" if "cpu_within_goal" in row else ""
        )
        rows.append(
            f"| cold start {function} | {measured} | {goal} | {verdict} | `python -m webhookdev.bench.coldstart` |"
        )
    for function, row in bench.get("hotpath", {}).get("functions", {}).items():
        rows.append(
            f"| hot path CPU/event {function} | {row['cpu_median_ms']:.2f} ms (the same boto3 calls alone "
            f"{row['aws_sdk_calls_cpu_median_ms']:.2f} ms) | ≤ {row['goal_ms']} ms | {_verdict(row['within_goal'])} "
            "| `python -m webhookdev.bench.hotpath` |"
        )
    size = bench.get("sizes", {})
    for name, layer in size.get("layers", {}).items():
        rows.append(
            f"| layer {name} | {layer['zipped'] / 2**20:.1f} MiB zipped, {layer['unzipped'] / 2**20:.1f} MiB unzipped "
            f"| ≤ 250 MB unzipped | {_verdict(layer['unzipped'] <= 250 * 2**20)} | `make build` |"
        )
    if size.get("functions"):
        biggest = max(size["functions"].values())
        rows.append(f"| function zips ({len(size['functions'])}) | ≤ {biggest:,} B each | — | — | `make build` |")
    gen = bench.get("generator", {})
    if gen:
        v = gen["vegeta_plus_signer"]
        p = gen["previous_python_generator"]
        rows.append(
            f"| load generator CPU at {gen['rate_per_s']:g}/s | vegeta + signer {v['share_of_one_core']:.1%} of a core "
            f"(previous generator {p['share_of_one_core']:.1%}) | small share of one core | "
            f"{_verdict(v['share_of_one_core'] <= 0.25)} | `python -m webhookdev.bench.generator` |"
        )
    tools = bench.get("tools", {})
    if tools:
        shares = ", ".join(f"{n} {t['share_of_one_core']:.1%}" for n, t in tools["tools"].items())
        rows.append(
            f"| load tools' own CPU at {tools['rate_per_s']:g}/s (pre-signed) | {shares} of a core | "
            f"small share of one core | {_verdict(tools['tools']['vegeta']['share_of_one_core'] <= 0.25)} (vegeta) "
            "| `python -m webhookdev.bench.tools` |"
        )
    moto = bench.get("moto", {})
    if moto:
        rows_ = moto["cpu_ms_per_request"]
        rows.append(
            f"| moto CPU per request (S3 put + DynamoDB put) | {rows_['savings']['median']:.2f} ms with our savings, "
            f"{rows_['as moto ships']['median']:.2f} ms as moto ships (x{moto['ratio']}) | — | — "
            "| `python -m webhookdev.bench.motocost` |"
        )
    knee_section = bench.get("knee", {})
    if knee_section:
        bound = _bound(knee_section)
        rows.append(
            f"| local stack knee | {knee_section['knee_per_minute']:,}/min"
            + (f"; bounded by the profile: {bound}" if bound else "")
            + " | 10,000/min, p99 < 1 s | "
            f"{_verdict(knee_section['knee_per_minute'] >= 10000)} "
            "| `python -m webhookdev.bench.knee` (needs `make up`) |"
        )
    return "\n".join(rows)


def _knee_step(section: dict[str, Any]) -> dict[str, Any] | None:
    """The highest step that held (the knee), else the first step."""
    steps = [s for s in section.get("steps", []) if s.get("profile")]
    held = [s for s in steps if s.get("holds")]
    return held[-1] if held else (steps[0] if steps else None)


def _bound(section: dict[str, Any]) -> str:
    step = _knee_step(section)
    if step is None:
        return ""
    profile = step["profile"]
    ceilings = profile["max_per_s_by_ceiling"]
    limit = profile["bound_by"]
    return (
        f"{profile['cpu_ms_per_webhook_total']:.1f} ms CPU per webhook, so {limit} allow at most "
        f"{ceilings[limit] * 60:,.0f}/min"
    )


def _machine_note(bench: dict[str, Any]) -> str:
    loads = {name: section.get("load_average_1m") for name, section in bench.items() if isinstance(section, dict)}
    when = sorted({str(s.get("measured_at", "?"))[:10] for s in bench.values() if isinstance(s, dict)})
    return (
        f"Measured on {', '.join(when)} on a {next(iter(bench.values())).get('cpus', '?')}-CPU machine; 1-minute "
        f"load average per section: {', '.join(f'{k} {v}' for k, v in loads.items())}. A load average above the CPU "
        "count means other work shared the cores: wall times and throughput are then depressed and must be "
        "re-measured on a quiet machine; CPU times and same-run ratios hold up better."
    )


def _coldstart(bench: dict[str, Any]) -> list[str]:
    section = bench.get("coldstart")
    if not section:
        return []
    lines = [
        "## Cold start",
        "",
        f"Median of {section['runs']} fresh processes per variant, interleaved, from "
        f"{section['source'].replace(str(REPO) + '/', '')}. "
        "Floor: `import boto3` and the function's own clients. Naive: the official `stripe` library, every Powertools "
        "utility that imports, `patch_all()`, Logger/Metrics/Tracer and the same clients. Ours: `import index`.",
        "",
        "| function | floor | naive | ours | ours / floor | ours / naive | CPU: floor / naive / ours |",
        "|---|---|---|---|---|---|---|",
    ]
    for function, row in section["functions"].items():
        lines.append(
            f"| {function} | {_ms(row['floor_ms'])} | {_ms(row['naive_ms'])} "
            f"| {_ms(row['ours_ms'])} "
            f"| x{row['ratio_to_floor']:.3f} | x{row['ratio_to_naive']:.3f} "
            f"| {row['floor_cpu_ms']:.0f} / {row['naive_cpu_ms']:.0f} / {row['ours_cpu_ms']:.0f} ms |"
        )
    return [*lines, ""]


def _hotpath(bench: dict[str, Any]) -> list[str]:
    section = bench.get("hotpath")
    if not section:
        return []
    lines = [
        "## Hot path",
        "",
        "CPU per event through the real handler (Powertools logger, metrics and tracer as deployed; AWS answered by a "
        "botocore `before-send` stub, so serialization, SigV4 signing, the X-Ray patch and parsing all run). "
        '"boto3 alone" is the same AWS calls without our code: the part no handler can avoid.',
        "",
        "| function | median | p90 | boto3 alone | goal | outcomes |",
        "|---|---|---|---|---|---|",
    ]
    for function, row in section["functions"].items():
        lines.append(
            f"| {function} | {row['cpu_median_ms']:.3f} ms | {row['cpu_p90_ms']:.3f} ms "
            f"| {row['aws_sdk_calls_cpu_median_ms']:.3f} ms | ≤ {row['goal_ms']} ms | {row['outcomes']} |"
        )
    return [*lines, ""]


def _generator(bench: dict[str, Any]) -> list[str]:
    section = bench.get("generator")
    if not section:
        return []
    v, p = section["vegeta_plus_signer"], section["previous_python_generator"]
    return [
        "## Load generator",
        "",
        f"At {section['rate_per_s']:g}/s for {section['duration_s']:g} s against a sink that answers 200 at once "
        "(so only the generator's cost is measured), same signed mix:",
        "",
        "| generator | share of one core | CPU per request | answered |",
        "|---|---|---|---|",
        f"| vegeta + our signer (`python -m webhookdev.bench.load`) | {v['share_of_one_core']:.1%} "
        f"| {v['cpu_ms_per_request']:.3f} ms (vegeta {v['vegeta_cpu_s']} s, signer {v['signer_cpu_s']} s) "
        f"| {v['ok']}/{v['requests']} |",
        f"| previous Python generator (`python -m webhookdev.loadtest`) | {p['share_of_one_core']:.1%} "
        f"| {p['cpu_ms_per_request']:.3f} ms | {p['ok']}/{p['requests']} |",
        "",
    ]


def _knee(bench: dict[str, Any]) -> list[str]:
    section = bench.get("knee")
    if not section:
        return ["## Local stack throughput", "", "Not measured in the stored figures: run `make up`, then "
                "`python -m webhookdev.bench --only knee`.", ""]  # fmt: skip
    lines = [
        "## Local stack throughput",
        "",
        f"Rate ladder, {section['step_seconds']:g} s per step, {section.get('max_workers_per_function', 2)} workers "
        f"per function; knee **{section['knee_per_minute']:,}/min** (every request a 2xx, the rate kept, p99 from "
        "the schedule under 1 s, and at most 2 s of arrivals left in the async queue at the end of the step). "
        "CPU in cores (1.0 = one core busy) per process of the stack during each step:",
        "",
        "| offered | achieved | ok | p50 / p99 from schedule | async backlog at the end | CPU by process "
        "| stage p50 / p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in section["steps"]:
        sched = s["latency_from_schedule_ms"]
        cpu = ", ".join(f"{k} {v:.2f}" for k, v in s["cpu_cores_by_process"].items())
        stages = ", ".join(
            f"{k} {v.get('p50', 0):.0f} / {v.get('p99', 0):.0f} ms" for k, v in s.get("stage_latency_ms", {}).items()
        )
        lines.append(
            f"| {s['offered_per_s']:g}/s | {s['achieved_per_s']:.1f}/s | {s['ok']}/{s['requests']} "
            f"| {sched.get('p50', 0):.0f} / {sched.get('p99', 0):.0f} ms | {s.get('async_pending_after', '—')} "
            f"| {cpu} | {stages or '—'} |"
        )
    return [*lines, "", *_profile(section)]


def _profile(section: dict[str, Any]) -> list[str]:
    """Where the time goes at the knee: CPU per webhook per process, the ceilings, and the per-stage latencies."""
    step = _knee_step(section)
    if step is None:
        return []
    profile = step["profile"]
    cores = step["cpu_cores_by_process"]
    lines = [
        f"### Where the time goes (profile at {step['offered_per_s']:g}/s)",
        "",
        f"CPU per answered webhook, from `/proc/<pid>/stat` before and after the step (the stack's processes used "
        f"{profile['stack_cores_busy']:.2f} cores; other processes on the machine "
        f"{step.get('other_processes_cores', 0):.2f}; load average {step.get('machine_load_average_1m', '?')}):",
        "",
        "| process | cores | CPU per webhook |",
        "|---|---|---|",
    ]
    for role, ms in profile["cpu_ms_per_webhook"].items():
        lines.append(f"| {role} | {cores.get(role, 0):.3f} | {ms:.2f} ms |")
    lines.append(f"| **all** | {profile['stack_cores_busy']:.3f} | **{profile['cpu_ms_per_webhook_total']:.2f} ms** |")
    ceilings = "; ".join(f"{name} {rate:,.0f}/s ({rate * 60:,.0f}/min)" for name, rate in
                         profile["max_per_s_by_ceiling"].items())  # fmt: skip
    lines += [
        "",
        f"Ceilings (the rate at which each would be 100% busy; moto and the runtime are single Python processes, "
        f"so the GIL holds each to one core): {ceilings}. **Bound: {profile['bound_by']}.** 10,000/min (167/s) "
        f"needs {profile['cpu_ms_per_webhook_total'] * 167 / 1000:.1f} cores at this CPU per webhook.",
        "",
        "Per request stage (ms; the gateway's `stageMs` in its access log, the functions' `platform.report`: handler "
        "duration, its CPU, the async queue and worker waits, and each AWS SDK call's wall time):",
        "",
        "| stage | p50 | p99 | n |",
        "|---|---|---|---|",
    ]
    for name, row in step["stage_latency_ms"].items():
        lines.append(f"| {name} | {row.get('p50', 0):,.1f} | {row.get('p99', 0):,.1f} | {row.get('n', 0)} |")
    return [*lines, ""]


def _moto(bench: dict[str, Any]) -> list[str]:
    section = bench.get("moto")
    if not section:
        return []
    lines = [
        "## moto's CPU per request",
        "",
        "moto is one Python process (one core at most). Profiling it under webhook load (py-spy) showed a directory "
        "scan per request in its backend lookup and a contended logging lock in werkzeug's request log; "
        "`webhookdev/local/moto_perf.py` caches the first and can turn the second off "
        "(`WEBHOOKDEV_MOTO_REQUEST_LOG=0 make up`), without changing any answer. Fresh servers, one client "
        f"alternating a conditional `PutObject` and a `PutItem`, {section['requests_per_run']} requests per run, "
        f"{section['rounds']} interleaved rounds (`python -m webhookdev.bench.motocost`; the request log stays on "
        "in both variants, so only the lookup is measured):",
        "",
        "| moto | CPU per request (median) | runs |",
        "|---|---|---|",
    ]
    for variant, row in section["cpu_ms_per_request"].items():
        lines.append(f"| {variant} | {row['median']:.3f} ms | {', '.join(f'{r:.2f}' for r in row['runs'])} |")
    return [*lines, "", f"Ratio: x{section['ratio']}.", ""]


def _tools(bench: dict[str, Any]) -> list[str]:
    section = bench.get("tools")
    if not section:
        return []
    lines = [
        "## Load tool choice",
        "",
        f"Each tool replays the same pre-signed requests (the default local mix) at {section['rate_per_s']:g}/s for "
        f"{section['duration_s']:g} s against the same trivial sink, so the figure is the tool's own cost "
        "(`python -m webhookdev.bench.tools`). Signing on the fly adds our signer (the generator section).",
        "",
        "| tool | version | share of one core | CPU per request | answered | achieved | p99 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in section["tools"].items():
        p99 = f"{row['p99_ms']:,.0f} ms" if row.get("p99_ms") is not None else "—"
        lines.append(
            f"| {name} | {row['version']} | {row['share_of_one_core']:.1%} | {row['cpu_ms_per_request']:.3f} ms "
            f"| {row['ok']}/{row['requests']} | {row['achieved_per_s']:.1f}/s | {p99} |"
        )
    skipped = "; ".join(f"{k}: {v}" for k, v in section.get("not_measured", {}).items())
    lines += ["", f"Cheapest: **{section['cheapest']}**." + (f" Not measured: {skipped}." if skipped else ""), ""]
    return lines


def _sizes(bench: dict[str, Any]) -> list[str]:
    section = bench.get("sizes")
    if not section:
        return []
    lines = ["## Sizes", "", "| artifact | zipped | unzipped |", "|---|---|---|"]
    for name, size in section["functions"].items():
        lines.append(f"| function `{name}.zip` | {size:,} B | — |")
    for name, layer in section["layers"].items():
        lines.append(f"| layer `{name}.zip` | {layer['zipped']:,} B | {layer['unzipped']:,} B |")
    return [*lines, ""]


def _capacity(capacity: dict[str, Any]) -> list[str]:
    prices = load_prices()
    prod = capacity.get("prod") or next(iter(capacity.values()))
    lines = [
        "## Capacity and cost",
        "",
        f"From `webhookctl capacity --var-file environments/<env>.tfvars` (prices as of {prod['prices_as_of']}, "
        "us-east-1 list prices in [`devtools/webhookdev/bench/prices.json`](../devtools/webhookdev/bench/prices.json) "
        "with the source of each; no free tier). Item sizes come from the real sample events through the real "
        "normalizers. Durations and log bytes per request are stated assumptions (`--validator-ms`, "
        "`--processor-ms` override the durations).",
        "",
        "| environment | cost per million webhooks | a month at 10,000/min (steady state) | largest items |",
        "|---|---|---|---|",
    ]
    for env, result in capacity.items():
        lines.append(
            f"| {env} | ${result['cost_per_million_total']:,.2f} | ${result['cost_per_month_at_10k_per_minute']:,.0f} "
            f"| {', '.join(result['largest_cost_items'])} |"
        )
    lines += [
        "",
        f"Storage items are one million webhooks kept for their whole retention (7 years by default), which is also "
        f"the steady-state monthly bill once retention is full. Fixed per month ({prod['environment']}): "
        + ", ".join(f"{k} ${v:,.2f}" for k, v in prod["fixed_monthly"].items())
        + ".",
        "",
        f"### Cost items, {prod['environment']} (USD per million webhooks, {prod['processed_log_delivery']})",
        "",
        "| item | USD |",
        "|---|---|",
    ]
    for item, usd in sorted(prod["cost_per_million"].items(), key=lambda kv: -kv[1]):
        lines.append(f"| {item} | {usd:,.2f} |")
    lines += ["", "### Alternatives", "", "| change | per million | saving | what it costs you |", "|---|---|---|---|"]
    for alt in prod["alternatives"]:
        lines.append(
            f"| {alt['change']} | ${alt['per_million']:,.2f} | ${alt['saving_per_million']:,.2f} | {alt['trade_off']} |"
        )
    lines += ["", "### Concurrency, async queue and GSI partitions", ""]
    for name, scenario in prod["scenarios"].items():
        lam = scenario["lambda"]
        hot = [
            f"{p} {g['wcu_per_s_per_key']:,.0f} WCU/s per key ({g['utilization']:.0%}"
            + (f", **throttles: provider_shards ≥ {g['shards_needed']}**)" if g["throttles"] else ")")
            for p, g in scenario["gsi_partitions"].items()
        ]
        backlog = (
            f"; async queue grows {lam['async_backlog_growth_per_s']:,.0f}/s, a {lam['burst_seconds']:.0f} s burst "
            f"peaks at {lam['burst_max_event_age_s']:,.0f} s event age and drains in {lam['burst_drain_s']:,.0f} s"
            if lam["async_backlog_growth_per_s"]
            else ""
        )
        lines.append(
            f"- **{name}** (offered {scenario['offered_per_s']:,.0f}/s, admitted {scenario['admitted_per_s']:,.0f}/s): "
            f"validators {lam['validators_total']:,.1f} concurrent of {lam['unreserved_pool']} unreserved; processor "
            f"needs {lam['processor_needed']:,.1f} of {lam['processor_reserved']} reserved{backlog}. "
            f"ProviderTimestampIndex: {'; '.join(hot)}."
        )
    unverified = [name for name, p in prices["prices"].items() if not p.get("verified")]
    lines += [
        "",
        f"Prices not re-verified on {prices['as_of']} (check the linked page before budgeting): "
        + ", ".join(f"`{n}`" for n in unverified)
        + ".",
        "",
    ]
    return lines


STATIC = """## Load against AWS

```
python -m webhookdev.bench.load --target aws --secret-from-aws --rate 167 --duration 600 --reconcile
```

Signs with the deployed secrets (Stripe and Square by default; add `--mix …,paypal:PAYMENT.CAPTURE.COMPLETED` only with
`--paypal-cert-url` and `--paypal-key-file` for a certificate the deployment trusts through `paypal_cert_ca_bundle`),
offers 10,000/min for 10 minutes, waits `--settle` seconds, then runs
`webhookctl reconcile --provider P --start T --end T --json` for each provider in the mix and includes its answer.
Run it from a machine near us-east-1 against a staging stack; the per-provider throttles and the stage's
10,000 rps / 5,000 burst apply.

**Past one machine.** One vegeta process paced 167/s at the share of a core shown above, so one machine carries
10,000/min with room to spare; the signer, not vegeta, is the larger part. Beyond that, vegeta's documented way is
to run the same attack on several machines at once (its README does it with `pdsh`) and merge the binary results:
run this command on N machines with `--rate R/N`, `--results $(hostname).bin` and without `--reconcile`, copy the
files together, `vegeta report *.bin` (or `vegeta plot *.bin`) for the merged latencies, then `webhookctl reconcile`
once for the whole window. Each machine signs its own requests, so each needs `--secret-from-aws` access. vegeta
has no coordinator: start the machines within a second of each other (or accept a ramp). Locust, measured above,
coordinates its workers itself (`locust --master --expect-workers N`, and `locust --worker --master-host H` on each
machine, one worker per core), and its `FastHttpUser` costs about as much CPU per request as vegeta. It stays the
second choice: its users are a closed model (`constant_throughput` per user: a slow answer delays that user's next
request, so an overloaded system sees less load instead of showing the latency), and it fell short of the rate here.
"""


def render(bench: dict[str, Any], capacity: dict[str, Any]) -> str:
    parts = [
        "# Performance, capacity and cost",
        "",
        "<!-- Generated by `python -m webhookdev.bench.docs` from docs/figures/bench.json and "
        "docs/figures/capacity.json. Do not edit: run `make bench` (figures) or the command above (model). -->",
        "",
        "`make bench` measures everything below and rewrites this page; `python -m webhookdev.bench --only <section>` "
        "re-runs one section.",
        "",
    ]
    if bench:
        parts += [summary_table(bench), "", _machine_note(bench), ""]
        parts += _coldstart(bench) + _hotpath(bench) + _sizes(bench) + _generator(bench) + _tools(bench)
        parts += _moto(bench) + _knee(bench)
    parts += _capacity(capacity)
    parts.append(STATIC)
    return "\n".join(parts).rstrip() + "\n"


def write(bench: dict[str, Any] | None = None) -> None:
    """Recompute the capacity model, then rewrite capacity.json and the page."""
    bench = bench if bench is not None else (json.loads(BENCH_JSON.read_text()) if BENCH_JSON.is_file() else {})
    bench = json.loads(json.dumps(bench, sort_keys=True))  # render exactly what bench.json (sorted keys) holds
    capacity = capacity_all()
    CAPACITY_JSON.parent.mkdir(parents=True, exist_ok=True)
    CAPACITY_JSON.write_text(json.dumps(capacity, indent=2, sort_keys=True) + "\n")
    PERFORMANCE_MD.write_text(render(bench, capacity))


def check() -> list[str]:
    """What is stale: capacity.json against a fresh model run, the page against the stored figures."""
    problems = []
    bench = json.loads(BENCH_JSON.read_text()) if BENCH_JSON.is_file() else {}
    stored = json.loads(CAPACITY_JSON.read_text()) if CAPACITY_JSON.is_file() else {}
    fresh = json.loads(json.dumps(capacity_all()))
    if stored != fresh:
        problems.append(f"{CAPACITY_JSON.relative_to(REPO)} is stale: run python -m webhookdev.bench.docs")
    if not PERFORMANCE_MD.is_file() or PERFORMANCE_MD.read_text() != render(bench, fresh):
        problems.append(f"{PERFORMANCE_MD.relative_to(REPO)} is stale: run python -m webhookdev.bench.docs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when stale")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    write()
    print(f"wrote {CAPACITY_JSON.relative_to(REPO)} and {PERFORMANCE_MD.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
