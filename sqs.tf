# Dead letter queue of the processor: the original async event after the last retry (docs/design.md), kept for the
# SQS maximum of 14 days for a fix and `webhookctl dlq redrive`.
resource "aws_sqs_queue" "dlq" {
  name                       = "webhook-processing-dlq${local.name_suffix}"
  message_retention_seconds  = var.dlq_message_retention_seconds
  visibility_timeout_seconds = var.dlq_visibility_timeout_seconds

  # SSE-SQS: encrypted at rest with an SQS-owned key, no KMS permissions needed by Lambda's DLQ delivery.
  sqs_managed_sse_enabled = true
}

locals {
  # Every queue of the stack carries payment data (the DLQ: async events; the outbox's: batch descriptions).
  tls_only_queues = merge(
    { dlq = aws_sqs_queue.dlq.arn },
    var.enable_event_bus ? { outbox_failures = aws_sqs_queue.outbox_failures[0].arn } : {},
  )
}

# One TLS-only policy per queue: events carry payment payloads, never in clear text.
data "aws_iam_policy_document" "sqs_tls_only" {
  for_each = local.tls_only_queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  policy    = data.aws_iam_policy_document.sqs_tls_only["dlq"].json
}
