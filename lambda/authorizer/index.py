"""API Gateway REQUEST authorizer (`webhook-api-authorizer`).

Per-provider usage keys for webhook routes; for query routes (API_KEY mode) the caller's own key, if it is an
internal-query key (decision 12).
"""

from webhook_core.authorizer import create_handler

handler = create_handler()
