"""Paypal webhook validator (`paypal-webhook-validator`): the shared validator configured for paypal."""

from webhook_core.validator import create_handler

handler = create_handler("paypal")
