"""webhook-processor: normalizes one validator-accepted webhook into DynamoDB and S3 (webhook_core.processing)."""

from webhook_core.processing import build_lambda_handler

handler = build_lambda_handler()
