"""transaction-query: the GET /api/v1/transactions API (webhook_core.query)."""

from webhook_core.query import build_lambda_handler

handler = build_lambda_handler()
