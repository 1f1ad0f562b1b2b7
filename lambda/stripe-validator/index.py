"""Stripe webhook validator (`stripe-webhook-validator`): the shared validator configured for stripe."""

from webhook_core.validator import create_handler

handler = create_handler("stripe")
