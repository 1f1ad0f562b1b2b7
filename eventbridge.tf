# The outbox (docs/events.md): every new transaction record, published once to an EventBridge bus for downstream
# systems. Driven by the table's stream (NEW_AND_OLD_IMAGES), so only durably stored records are published and no
# write path can skip it. A small function decides what each stream record publishes (webhook_core.outbox); the
# event source mapping gives it in-order batches, partial-batch retries and an on-failure queue.
#
# Why a function rather than EventBridge Pipes: the event is a documented contract (exact decimal strings, a
# detail-type per normalized event type, masking, the failed->processed repair rule), which is code with unit tests;
# a Pipes input template would publish DynamoDB's typed JSON or a second, untested copy of those rules.

locals {
  outbox_function_name = "webhook-outbox${local.name_suffix}"
  event_bus_name       = "${local.name}-transactions"
  outbox_failures_name = "webhook-outbox-failures${local.name_suffix}"
}

resource "aws_cloudwatch_event_bus" "transactions" {
  count = var.enable_event_bus ? 1 : 0

  name = local.event_bus_name
}

# Batches the function could not publish after every retry: Lambda sends a description of the batch (shard and
# sequence numbers), not the records, so an operator can re-read them from the stream (24 h) or the table.
resource "aws_sqs_queue" "outbox_failures" {
  count = var.enable_event_bus ? 1 : 0

  name                      = local.outbox_failures_name
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
}

resource "aws_sqs_queue_policy" "outbox_failures" {
  count = var.enable_event_bus ? 1 : 0

  queue_url = aws_sqs_queue.outbox_failures[0].id
  policy    = data.aws_iam_policy_document.sqs_tls_only["outbox_failures"].json
}

# ---------------------------------------------------------------------------------------------------------------------
# The function and its role
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_iam_role" "outbox" {
  count = var.enable_event_bus ? 1 : 0

  name               = "${local.outbox_function_name}-role"
  description        = "Execution role of ${local.outbox_function_name}."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "outbox" {
  count = var.enable_event_bus ? 1 : 0

  source_policy_documents = [data.aws_iam_policy_document.xray_write.json]

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn_prefix}/${local.outbox_function_name}:*"]
  }

  # The event source mapping reads the stream with the function's role. ListStreams is scoped to the table's streams,
  # as in SAM's DynamoDBStreamReadPolicy.
  statement {
    sid       = "ReadTransactionsStream"
    actions   = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]
    resources = [module.transactions_table.stream_arn]
  }

  statement {
    sid       = "ListTransactionsStreams"
    actions   = ["dynamodb:ListStreams"]
    resources = ["${module.transactions_table.table_arn}/stream/*"]
  }

  statement {
    sid       = "PublishToTransactionsBus"
    actions   = ["events:PutEvents"]
    resources = [aws_cloudwatch_event_bus.transactions[0].arn]
  }

  # The mapping's on-failure destination is written with the function's role too.
  statement {
    sid       = "SendFailedBatchesToQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.outbox_failures[0].arn]
  }
}

resource "aws_iam_role_policy" "outbox" {
  count = var.enable_event_bus ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.outbox[0].id
  policy = data.aws_iam_policy_document.outbox[0].json
}

module "outbox" {
  source = "./modules/lambda-function"
  count  = var.enable_event_bus ? 1 : 0

  function_name = local.outbox_function_name
  description   = "Publishes each new transaction record from the table's stream to the ${local.event_bus_name} bus."
  role_arn      = aws_iam_role.outbox[0].arn
  runtime       = var.lambda_runtime
  memory_size   = var.outbox_memory_size
  timeout       = var.outbox_timeout
  filename      = "${local.artifacts_dir}/functions/outbox.zip"
  layers        = [module.dependencies_layer.arn]

  log_retention_in_days = var.log_retention_days.processor

  environment_variables = merge(
    local.common_function_environment,
    {
      EVENT_BUS_NAME          = aws_cloudwatch_event_bus.transactions[0].name
      POWERTOOLS_SERVICE_NAME = local.outbox_function_name
    },
  )

  depends_on = [aws_iam_role_policy.outbox]
}

resource "aws_lambda_event_source_mapping" "outbox" {
  count = var.enable_event_bus ? 1 : 0

  event_source_arn = module.transactions_table.stream_arn
  function_name    = module.outbox[0].function_arn
  # TRIM_HORIZON: records written while the mapping is being created are published too (the stream keeps 24 h).
  starting_position = "TRIM_HORIZON"
  batch_size        = var.outbox_batch_size
  # The function reports the first failed record; Lambda resumes from it without resending the ones before.
  function_response_types        = ["ReportBatchItemFailures"]
  maximum_retry_attempts         = var.outbox_maximum_retry_attempts
  bisect_batch_on_function_error = true
  parallelization_factor         = var.outbox_parallelization_factor

  destination_config {
    on_failure {
      destination_arn = aws_sqs_queue.outbox_failures[0].arn
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Alarms: an outbox that falls behind, or gives up on a batch
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "outbox_iterator_age" {
  count = var.enable_event_bus ? 1 : 0

  alarm_name          = "${local.name}-outbox-iterator-age"
  alarm_description   = "The outbox is more than ${var.outbox_iterator_age_alarm_ms} ms behind the table's stream (max over 5 min); the stream keeps records 24 h. See docs/monitoring.md."
  namespace           = "AWS/Lambda"
  metric_name         = "IteratorAge"
  dimensions          = { FunctionName = module.outbox[0].function_name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.outbox_iterator_age_alarm_ms
  unit                = "Milliseconds"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "outbox_failed_batches" {
  count = var.enable_event_bus ? 1 : 0

  alarm_name          = "${local.name}-outbox-failed-batches"
  alarm_description   = "The outbox gave up on a batch of stream records: those records were never published. The batch is described in ${local.outbox_failures_name}. See docs/monitoring.md."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.outbox_failures[0].name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
