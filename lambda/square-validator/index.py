"""Square webhook validator (`square-webhook-validator`): the shared validator configured for square."""

from webhook_core.validator import create_handler

handler = create_handler("square")
