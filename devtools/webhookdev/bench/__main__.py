"""`make bench`: every figure in one run, one table, one machine-readable file.

    python -m webhookdev.bench [--runs 10] [--events 400] [--knee] [--only coldstart,hotpath,...,moto,knee]

Writes ``docs/figures/bench.json`` (sections not run keep their previous figures, marked with their own date) and
regenerates ``docs/performance.md`` from it and from the capacity model. The sections:

* cold start per function: floor / naive / ours (:mod:`webhookdev.bench.coldstart`);
* hot-path CPU per event through the real handlers (:mod:`webhookdev.bench.hotpath`);
* artifact sizes (:mod:`webhookdev.bench.sizes`);
* the load generator's own CPU at 167/s (:mod:`webhookdev.bench.generator`);
* the load tools compared on their own CPU at 167/s, vegeta and locust (:mod:`webhookdev.bench.tools`);
* moto's CPU per request as it ships and with our savings (:mod:`webhookdev.bench.motocost`);
* the local stack's knee, only with ``--knee`` and a running stack (:mod:`webhookdev.bench.knee`).
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from webhookdev.bench import coldstart, docs, generator, hotpath, knee, motocost, sizes, tools

REPO = Path(__file__).resolve().parents[3]
FIGURES = REPO / "docs" / "figures" / "bench.json"
SECTIONS = ("coldstart", "hotpath", "sizes", "generator", "tools", "moto", "knee")


def _stamp(section: dict[str, Any]) -> dict[str, Any]:
    return {
        "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        **section,
    }


def run(sections: list[str], args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    for name in sections:
        print(f"[bench] {name} …", flush=True)
        if name == "coldstart":
            layer = coldstart.LAYER_ZIP if coldstart.LAYER_ZIP.is_file() else None
            result = coldstart.measure(args.runs, layer, coldstart.BUILD / "functions" if layer else None)
            print(coldstart.render(result), flush=True)
        elif name == "hotpath":
            result = {"functions": hotpath.run(args.events, 50)}
            for function, row in result["functions"].items():
                print(f"  {function:26s} CPU/event median {row['cpu_median_ms']:.3f} ms (goal {row['goal_ms']} ms)")
        elif name == "sizes":
            result = sizes.measure(coldstart.BUILD)
            print(sizes.render(result), flush=True)
        elif name == "generator":
            result = generator.measure(167.0, args.generator_seconds)
            print(generator.render(result), flush=True)
        elif name == "tools":
            result = tools.measure(167.0, args.tools_seconds)
            print(tools.render(result), flush=True)
        elif name == "moto":
            result = motocost.measure(3, 200)
            print(motocost.render(result), flush=True)
        else:
            result = knee.ladder([float(r) for r in args.rates.split(",")], min(60.0, args.step))
            print(knee.render(result), flush=True)
        figures[name] = _stamp(result)
        FIGURES.parent.mkdir(parents=True, exist_ok=True)
        FIGURES.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=None, help=f"comma-separated sections (default all but knee): {SECTIONS}")
    parser.add_argument("--knee", action="store_true", help="also run the local stack ladder (needs `make up`)")
    parser.add_argument("--runs", type=int, default=10, help="cold start: fresh processes per variant")
    parser.add_argument("--events", type=int, default=400, help="hot path: measured invocations per function")
    parser.add_argument("--generator-seconds", type=float, default=20.0, help="generator CPU run length")
    parser.add_argument("--tools-seconds", type=float, default=30.0, help="load tools comparison run length")
    parser.add_argument("--rates", default="25,50,100,167", help="knee: rates per second")
    parser.add_argument("--step", type=float, default=20.0, help="knee: seconds per step (max 60)")
    args = parser.parse_args(argv)
    sections = args.only.split(",") if args.only else [s for s in SECTIONS if s != "knee" or args.knee]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    figures = run(sections, args)
    docs.write(figures)
    print(f"[bench] wrote {FIGURES.relative_to(REPO)} and {docs.PERFORMANCE_MD.relative_to(REPO)}")
    print(docs.summary_table(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
