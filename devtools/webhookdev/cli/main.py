"""`webhookctl`: send signed mock webhooks, query transactions, and work the DLQ, locally or against AWS."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from webhookdev import samples
from webhookdev.cli import capacity, dlq, reconcile, replay, send
from webhookdev.cli.errors import EXIT_ERROR, EXIT_OK, CliError
from webhookdev.cli.query import QueryOptions, run_query
from webhookdev.cli.target import Target, load_aws, load_local, repo_root

PROG = "webhookctl"
TARGET_ENV = "WEBHOOKCTL_TARGET"

EPILOG = """\
targets:
  local  (default) the stack `make up` started; reads .local/stack.json
  aws    a real deployment; reads `tofu output -json` (or terraform) in --tf-dir and uses your AWS credentials

exit codes:
  0  success (every HTTP answer 2xx)      2  bad command line
  1  configuration/environment error      3  a request got a non-2xx answer, or a DLQ message was not redriven
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _common() -> argparse.ArgumentParser:
    """Target options, accepted after every subcommand."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("target")
    group.add_argument(
        "--target",
        choices=("local", "aws"),
        default=os.environ.get(TARGET_ENV, "local"),
        help=f"where to send requests (default: local, or ${TARGET_ENV})",
    )
    group.add_argument(
        "--stack-file", type=Path, default=None, help="local stack description (default: <repo>/.local/stack.json)"
    )
    group.add_argument(
        "--tf-dir",
        type=Path,
        default=None,
        help="Terraform root to read outputs from with --target aws (default: repo root)",
    )
    group.add_argument("--tf-binary", default=None, help="tofu or terraform executable (default: first on PATH)")
    group.add_argument("--region", default=None, help="AWS region for --target aws (default: outputs, env, us-east-1)")
    return parent


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Send signed webhooks, query transactions, work the DLQ, reconcile and replay the raw archive.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    # --- send ---
    p = commands.add_parser(
        "send",
        parents=[common],
        help="sign a sample webhook exactly as the provider does and POST it",
        description=(
            "Render the sample for PROVIDER/EVENT_TYPE with fresh ids, sign it as the provider does and POST it. "
            "EVENT_TYPE is a sample name (see --list), its dotted form (payment_intent.succeeded) or a provider "
            "event type that names one sample. PayPal IPN samples are sent form-encoded and unsigned (the receiver "
            "verifies them by postback)."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  webhookctl send --list\n"
        "  webhookctl send stripe payment_intent.succeeded\n"
        "  webhookctl send square refund_created --count 5 --json\n"
        "  webhookctl send paypal PAYMENT.CAPTURE.COMPLETED --tamper        # expect 401\n"
        "  webhookctl send stripe charge_succeeded --event-id evt_dup1 --count 2   # a duplicate delivery\n",
    )
    p.add_argument(
        "provider", nargs="?", choices=samples.PROVIDERS, metavar="PROVIDER", help=", ".join(samples.PROVIDERS)
    )
    p.add_argument("event_type", nargs="?", metavar="EVENT_TYPE", help="sample name or event type")
    p.add_argument("--list", action="store_true", help="list providers, samples and event types, then exit")
    p.add_argument("--url", help="POST here instead of the target's webhook URL")
    p.add_argument(
        "--secret",
        action="append",
        default=[],
        help="Stripe whsec_ secret (repeat to sign with several, as during a rotation) or Square signature key",
    )
    p.add_argument(
        "--secret-from-aws",
        action="store_true",
        help="read the signing secret from Secrets Manager (the secret the provider_secret_arns output names)",
    )
    p.add_argument("--square-notification-url", help="URL Square signs (default: stack value, else the POST URL)")
    p.add_argument("--paypal-webhook-id", help="PayPal webhook id to sign with (default: stack value)")
    p.add_argument("--paypal-cert-url", help="PAYPAL-CERT-URL to send (default: stack value)")
    p.add_argument("--paypal-key", type=Path, help="PEM private key to sign PayPal REST events (default: stack key)")
    p.add_argument(
        "--signing",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any signing material key of the provider (stack.json `signing.<provider>` names), e.g. secret=whsec_...",
    )
    p.add_argument("--tamper", action="store_true", help="change one byte of the body after signing (expect 401)")
    p.add_argument("--event-id", help="use this provider event id (fresh random id by default)")
    p.add_argument("--transaction-id", help="use this payment/refund/dispute id (fresh random id by default)")
    p.add_argument("--customer-id", help="set the customer id where the sample has one")
    p.add_argument("--count", type=_positive_int, default=1, help="send N events (distinct ids unless --event-id)")
    p.add_argument("--dry-run", action="store_true", help="print the signed request instead of sending it")
    p.add_argument("--json", action="store_true", help="print one JSON object per request")

    # --- query ---
    q = commands.add_parser(
        "query",
        parents=[common],
        help="query the transactions API",
        description=(
            "GET /api/v1/transactions/{ID}, or list by --provider (ProviderTimestampIndex) or --customer-id "
            "(CustomerIndex). Where the deployment's query API is AWS_IAM (output query_api_authorization, the default "
            "outside the local stack) the request is SigV4-signed with your AWS credentials; in API_KEY mode it sends "
            "x-api-key: --api-key, $WEBHOOKCTL_API_KEY, or the local stack's key. "
            "Times are Unix seconds, ISO 8601, `now`, or relative like -15m, -2h, -7d."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n"
        "  webhookctl query pi_3QP8fW2eZvKYlo2C1h6Tq4Ws\n"
        "  webhookctl query --provider stripe --start -1h --end now --limit 20\n"
        "  webhookctl query --customer-id cus_R4kTz8wYqN2bLm --all\n",
    )
    q.add_argument("transaction_id", nargs="?", metavar="ID", help="transaction id")
    q.add_argument("--provider", choices=samples.PROVIDERS, help="list this provider's transactions")
    q.add_argument("--customer-id", help="list this customer's transactions")
    q.add_argument("--start", help="range start (default with --provider: -24h)")
    q.add_argument("--end", help="range end (default with --provider: now)")
    q.add_argument("--limit", type=_positive_int, help="page size")
    q.add_argument("--next-token", help="continue from this page token")
    q.add_argument("--all", dest="all_pages", action="store_true", help="follow next_token and print every item")
    q.add_argument(
        "--api-key", help="API_KEY mode only: query API key (default: $WEBHOOKCTL_API_KEY, then the local stack's)"
    )

    # --- dlq ---
    d = commands.add_parser(
        "dlq",
        help="inspect and redrive the processor's dead-letter queue",
        description="The DLQ holds async events the processor failed 3 times (1 + 2 retries).",
    )
    dlq_commands = d.add_subparsers(dest="dlq_command", metavar="ACTION", required=True)
    dl = dlq_commands.add_parser(
        "list",
        parents=[common],
        help="show DLQ messages (provider, event id, age, receives, error)",
        description="Show up to --max DLQ messages, oldest first. Messages stay in the queue.",
    )
    dl.add_argument("--max", type=_positive_int, default=50, help="at most this many messages (default 50)")
    dl.add_argument("--json", action="store_true", help="print JSON")
    dr = dlq_commands.add_parser(
        "redrive",
        parents=[common],
        help="re-invoke the processor with DLQ messages; delete each after Lambda accepts it",
        description=(
            "Invoke the processor asynchronously with each message's body, unchanged (it is the original async "
            "event). A message is deleted only after Lambda accepted the invoke (202); otherwise it stays queued."
        ),
    )
    which = dr.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", dest="all_messages", action="store_true", help="every message queued now")
    which.add_argument("--message-id", help="only this SQS message id (see `dlq list`)")
    dr.add_argument("--max", type=_positive_int, help="with --all: at most this many messages")
    dr.add_argument("--dry-run", action="store_true", help="show what would be redriven; change nothing")

    reconcile.register(commands, common, samples.PROVIDERS)
    replay.register(commands, common, samples.PROVIDERS)
    capacity.register(commands)
    return parser


def _target_loader(args: argparse.Namespace) -> Callable[[], Target]:
    cache: list[Target] = []

    def load() -> Target:
        if not cache:
            if args.target == "aws":
                cache.append(load_aws(args.tf_dir or repo_root(), binary=args.tf_binary, region=args.region))
            else:
                cache.append(load_local(args.stack_file))
        return cache[0]

    return load


def _out(text: str) -> None:
    print(text, flush=True)


def _err(text: str) -> None:
    print(f"{PROG}: {text}", file=sys.stderr, flush=True)


def _run_send(args: argparse.Namespace) -> int:
    if args.list:
        _out(send.format_list(send.list_table()))
        return EXIT_OK
    if not args.provider or not args.event_type:
        raise CliError("send needs PROVIDER and EVENT_TYPE (or --list)", exit_code=2)
    options = send.SendOptions(
        provider=args.provider,
        event_type=args.event_type,
        url=args.url,
        tamper=args.tamper,
        event_id=args.event_id,
        transaction_id=args.transaction_id,
        customer_id=args.customer_id,
        count=args.count,
        signing=send.SigningFlags(
            secrets=tuple(args.secret),
            secret_from_aws=args.secret_from_aws,
            square_notification_url=args.square_notification_url,
            paypal_webhook_id=args.paypal_webhook_id,
            paypal_cert_url=args.paypal_cert_url,
            paypal_key_file=args.paypal_key,
            material=tuple(_key_value(item, "--signing") for item in args.signing),
        ),
    )
    return send.run_send(options, _target_loader(args), dry_run=args.dry_run, as_json=args.json, out=_out)


def _key_value(item: str, flag: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise CliError(f"{flag} takes KEY=VALUE (got no '=')", exit_code=2)
    return key.strip(), value


def _run_query(args: argparse.Namespace) -> int:
    options = QueryOptions(
        transaction_id=args.transaction_id,
        provider=args.provider,
        customer_id=args.customer_id,
        start=args.start,
        end=args.end,
        limit=args.limit,
        next_token=args.next_token,
        all_pages=args.all_pages,
        api_key=args.api_key,
    )
    return run_query(options, _target_loader(args), out=_out, err=_err)


def _run_dlq(args: argparse.Namespace) -> int:
    target = _target_loader(args)()
    sqs = target.client("sqs")
    queue_url = target.dlq_url()
    if args.dlq_command == "list":
        messages = dlq.list_messages(sqs, queue_url, args.max)
        now = dlq.now()
        if args.json:
            _out(json.dumps([m.as_json(now) for m in messages], indent=2))
        elif messages:
            _out(dlq.format_table(messages, now))
        else:
            _out("the DLQ is empty")
        return EXIT_OK
    result = dlq.redrive(
        sqs,
        target.client("lambda"),
        queue_url,
        target.processor_arn(),
        message_id=args.message_id,
        all_messages=args.all_messages,
        max_messages=args.max,
        dry_run=args.dry_run,
        out=_out,
    )
    verb = "would redrive" if args.dry_run else "redriven"
    count = len(result.selected) if args.dry_run else len(result.redriven)
    _out(f"{verb}: {count}, failed: {len(result.failed)}")
    return result.exit_code


_RELATIVE_TIME = re.compile(r"^-\d+[smhdw]$")


def _attach_relative_times(argv: Sequence[str]) -> list[str]:
    """`--start -1h` -> `--start=-1h`: argparse would otherwise read `-1h` as an unknown option."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        if items[i] in ("--start", "--end") and i + 1 < len(items) and _RELATIVE_TIME.match(items[i + 1]):
            out.append(f"{items[i]}={items[i + 1]}")
            i += 2
            continue
        out.append(items[i])
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(_attach_relative_times(sys.argv[1:] if argv is None else argv))
    try:
        runners: dict[str, Callable[[argparse.Namespace], int]] = {
            "send": _run_send,
            "query": _run_query,
            "dlq": _run_dlq,
            "reconcile": lambda a: reconcile.run(a, _target_loader(a), samples.PROVIDERS, _out),
            "replay": lambda a: replay.run(a, _target_loader(a), samples.PROVIDERS, _out),
            "capacity": capacity.run,
        }
        return runners[args.command](args)
    except CliError as exc:
        if exc.exit_code == 2:
            parser.print_usage(sys.stderr)
        _err(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_ERROR
    except BrokenPipeError:
        # Output piped into `head` and the like: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
