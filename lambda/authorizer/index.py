"""API Gateway REQUEST authorizer (`webhook-api-authorizer`).

Per-provider usage keys for webhook routes, the caller's own key for query routes (decision 12).
"""

from webhook_core.authorizer import create_handler

handler = create_handler()
