"""`webhookctl`, the command-line tool for the payment-webhook stack (docs/cli.md)."""

from __future__ import annotations

from webhookdev.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
