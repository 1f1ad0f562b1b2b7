"""`python -m webhookdev.local up|down|status|plan`: manage the local stack (see docs/local-stack.md)."""

from __future__ import annotations

import argparse
import json
import sys

from webhookdev.local import stack
from webhookdev.local.terraform import TofuFailed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webhookdev.local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up", help="start the stack (idempotent) and write .local/stack.json")
    start.add_argument("--owner-pid", type=int, help="stop the stack automatically when this process ends")
    commands.add_parser("down", help="stop everything `up` started")
    commands.add_parser("status", help="print the processes and what the runtime serves, as JSON")
    commands.add_parser("plan", help="tofu plan against the running stack; exit 2 if it shows changes")
    args = parser.parse_args(argv)
    try:
        if args.command == "up":
            document = stack.up(stack.Options(owner_pid=args.owner_pid))
            print(json.dumps({k: document[k] for k in ("base_url", "aws_endpoint_url", "logs_dir")}, indent=2))
        elif args.command == "down":
            stack.down()
        elif args.command == "status":
            print(json.dumps(stack.status(), indent=2))
        else:
            changed = stack.plan_has_changes()
            print("tofu plan: changes pending" if changed else "tofu plan: no changes")
            return 2 if changed else 0
    except (stack.StackError, TofuFailed) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
