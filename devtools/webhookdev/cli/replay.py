"""`webhookctl replay`: re-process stored raw payloads, as if the validator had just accepted them again.

For each selected raw object, the processor's async event is built by the validator's own `Validator.async_event`
from the stored bytes and metadata (content type, receipt time), and handed over by the validator's own
`Validator.invoke_processor` (InvocationType Event, 202 or it failed). Signatures are not verified again: an object
is stored only after verification. Stage variables are left empty, so the processor uses its own environment,
which holds the same table and bucket (decision 1: one stack per environment).

Idempotent: the processor deduplicates by event id, so replaying a processed event changes nothing; a `failed`
record is replaced when the event now normalizes (issue 9).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from webhook_core.config import Settings
from webhook_core.errors import WebhookError
from webhook_core.keys import object_name
from webhook_core.secrets import SecretCache
from webhook_core.validator import Request, Validator

from webhookdev.cli.errors import EXIT_OK, EXIT_REJECTED, CliError
from webhookdev.cli.query import parse_time
from webhookdev.cli.reconcile import Progress, day_prefix, days, list_raw_objects, read_raw_object
from webhookdev.cli.target import Target

DEFAULT_RATE = 10.0
#: `--event-id` without --start/--end searches this far back (the DLQ keeps 14 days; Stripe resends up to 30).
DEFAULT_EVENT_SEARCH_DAYS = 35


@dataclass(frozen=True)
class Selected:
    provider: str
    key: str


class RateLimiter:
    """At most ``rate`` calls a second, evenly spaced."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.clock = clock
        self.next_at = 0.0

    def wait(self) -> None:
        now = self.clock()
        if now < self.next_at:
            time.sleep(self.next_at - now)
        self.next_at = max(now, self.next_at) + self.interval


def _no_secret(_: str) -> str:
    raise WebhookError("replay never verifies signatures")


def validator_for(provider: str, s3: Any, lambda_client: Any) -> Validator:
    """The validator's own implementation, used only to build and send the async event."""
    return Validator(provider, s3=s3, lambda_client=lambda_client, secrets=SecretCache("", _no_secret))


def by_event_id(
    s3: Any, bucket: str, providers: Sequence[str], event_id: str, *, start: int, end: int
) -> list[Selected]:
    """Raw objects of ``event_id`` (variants included): one small LIST per provider and day."""
    found = []
    name = object_name(event_id)
    for provider in providers:
        for day in days(start, end):
            for obj in list_raw_objects(s3, bucket, day_prefix(provider, day) + name):
                rest = str(obj["Key"]).rsplit("/", 1)[-1][len(name) :]
                if rest in (".json", ".txt") or rest.startswith("~body-"):
                    found.append(Selected(provider, str(obj["Key"])))
    return found


def by_range(s3: Any, bucket: str, providers: Sequence[str], start: int, end: int) -> Iterator[Selected]:
    for provider in providers:
        for day in days(start, end):
            for obj in list_raw_objects(s3, bucket, day_prefix(provider, day)):
                if start <= int(obj["LastModified"].timestamp()) <= end:
                    yield Selected(provider, str(obj["Key"]))


def from_reconcile(path: Path) -> list[Selected]:
    """The missing and failed lists of `webhookctl reconcile --json`."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise CliError(f"{path} is not a `reconcile --json` report")
    selected = []
    for section in ("missing", "failed"):
        for item in document.get(section) or []:
            if isinstance(item, dict) and item.get("provider") and item.get("raw_key"):
                selected.append(Selected(str(item["provider"]), str(item["raw_key"])))
    return selected


@dataclass
class ReplayResult:
    replayed: int = 0
    planned: int = 0
    failed: int = 0

    @property
    def exit_code(self) -> int:
        return EXIT_REJECTED if self.failed else EXIT_OK


def replay(
    selection: Sequence[Selected] | Iterator[Selected],
    *,
    s3: Any,
    lambda_client: Any,
    bucket: str,
    processor_arn: str,
    dry_run: bool,
    limiter: RateLimiter,
    out: Callable[[str], None],
    progress: Progress | None = None,
) -> ReplayResult:
    result = ReplayResult()
    settings = Settings.load({}, {"PROCESSOR_FUNCTION_ARN": processor_arn, "S3_BUCKET": bucket})
    validators: dict[str, Validator] = {}
    for item in selection:
        validator = validators.get(item.provider) or validators.setdefault(
            item.provider, validator_for(item.provider, s3, lambda_client)
        )
        try:
            raw = read_raw_object(s3, bucket, item.key, item.provider)
            request = Request(raw=raw.body, headers={"content-type": raw.content_type}, stage_variables={})
            payload = validator.async_event(request, raw.event_id, raw.received_at, bucket, item.key)
            if dry_run:
                result.planned += 1
                out(f"would replay {item.key} ({item.provider} {raw.event_id})")
            else:
                limiter.wait()
                validator.invoke_processor(payload, settings)
                result.replayed += 1
                out(f"replayed {item.key} ({item.provider} {raw.event_id})")
        except Exception as exc:  # report and go on: one bad object must not stop a replay of thousands
            result.failed += 1
            out(f"FAILED  {item.key}: {type(exc).__name__}: {getattr(exc, 'message', '') or exc}")
        if progress is not None:
            progress.step(item.provider, result.replayed + result.planned)
    return result


def register(commands: Any, common: argparse.ArgumentParser, providers: Sequence[str]) -> None:
    p = commands.add_parser(
        "replay",
        parents=[common],
        help="re-process raw payloads from the archive (idempotent)",
        description=(
            "Build the processor's async event from each stored raw payload exactly as the validator does and "
            "invoke the processor asynchronously. Signatures are not re-verified (objects are stored only after "
            "verification). Replaying a processed event changes nothing; a failed record is replaced when the "
            "event now normalizes."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  webhookctl replay --event-id evt_1QPZc42eZvKYlo2CnH3gB7Td --provider stripe --dry-run\n"
        "  webhookctl replay --provider square --start 2026-11-27T08:00:00Z --end 2026-11-27T09:00:00Z --rate 5\n"
        "  webhookctl reconcile --start -1d --end -15m --json > r.json; webhookctl replay --from-reconcile r.json\n",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--event-id", help="this provider event id (searched in the last 35 days unless --start/--end)")
    which.add_argument("--from-reconcile", type=Path, metavar="FILE", help="the missing and failed of reconcile --json")
    p.add_argument(
        "--provider", choices=providers, help="provider (with --start/--end: required; --event-id: optional)"
    )
    p.add_argument("--start", help="range start (receipt time)")
    p.add_argument("--end", help="range end (receipt time)")
    p.add_argument("--rate", type=float, default=DEFAULT_RATE, help=f"invokes per second (default {DEFAULT_RATE:g})")
    p.add_argument("--dry-run", action="store_true", help="show what would be replayed; invoke nothing")


def run(
    args: argparse.Namespace, load_target: Callable[[], Target], providers: Sequence[str], out: Callable[[str], None]
) -> int:
    if args.rate <= 0:
        raise CliError("--rate must be positive", exit_code=2)
    target = load_target()
    bucket = target.output("raw_payloads_bucket")
    if not isinstance(bucket, str) or not bucket:
        raise CliError(f"the {target.name} target has no raw_payloads_bucket output")
    s3 = target.client("s3")
    chosen = [args.provider] if args.provider else list(providers)
    selection: Sequence[Selected] | Iterator[Selected]
    total = 0
    if args.from_reconcile:
        selection = from_reconcile(args.from_reconcile)
        total = len(selection)
    elif args.event_id:
        end = parse_time(args.end or "now")
        start = (
            parse_time(args.start)
            if args.start
            else end - int(timedelta(days=DEFAULT_EVENT_SEARCH_DAYS).total_seconds())
        )
        selection = by_event_id(s3, bucket, chosen, args.event_id, start=start, end=end)
        if not selection:
            raise CliError(f"no raw payload for event {args.event_id} between --start and --end")
        total = len(selection)
    else:
        if not (args.provider and args.start and args.end):
            raise CliError(
                "choose --event-id ID, --provider P --start T --end T, or --from-reconcile FILE", exit_code=2
            )
        selection = by_range(s3, bucket, chosen, parse_time(args.start), parse_time(args.end))
    result = replay(
        selection,
        s3=s3,
        lambda_client=target.client("lambda"),
        bucket=bucket,
        processor_arn=target.processor_arn(),
        dry_run=args.dry_run,
        limiter=RateLimiter(args.rate),
        out=out,
        progress=Progress(total) if total else None,
    )
    if args.dry_run:
        out(f"would replay: {result.planned}, unreadable: {result.failed}")
    else:
        out(f"replayed: {result.replayed}, failed: {result.failed}")
    return result.exit_code
