"""Benchmarks for the Lambda code (``python -m webhookdev.bench.coldstart``)."""
