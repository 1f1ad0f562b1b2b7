"""Shared first-party code for the payment-webhook Lambdas (ships in the layer under ``python/``).

Modules have one concern each: ``config`` (settings), ``errors`` (named failures and their HTTP status),
``masking`` (card-data redaction), ``keys`` (S3 object keys), ``log`` (masked JSON logging), ``providers``
(signature plug-ins), ``secrets`` (cached Secrets Manager reads), ``validator`` and ``authorizer`` (handlers).
Nothing heavy is imported here, so importing a submodule stays cheap at cold start.
"""

__all__: list[str] = []
