"""webhook-outbox: publishes each new transaction record from the table stream to EventBridge (webhook_core.outbox)."""

from webhook_core.outbox import build_lambda_handler

handler = build_lambda_handler()
