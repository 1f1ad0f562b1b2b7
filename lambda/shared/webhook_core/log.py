"""Powertools JSON logger whose every record passes through :func:`webhook_core.masking.mask`.

The masking happens in the formatter, after Powertools has assembled the record (message, extra keys, appended
keys, exception text), so no code path can log a card number by forgetting to mask.
"""

from __future__ import annotations

from typing import Any, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from webhook_core.masking import mask


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with a masking step before serialisation."""

    def serialize(self, log: Any) -> str:
        return super().serialize(cast(dict[str, Any], mask(dict(log), stringify_unknown=True)))


def get_logger(service: str | None = None, **kwargs: Any) -> Logger:
    """A Powertools ``Logger`` using :class:`MaskingFormatter` (service from ``POWERTOOLS_SERVICE_NAME`` if unset)."""
    return Logger(service=service, logger_formatter=MaskingFormatter(), **kwargs)
