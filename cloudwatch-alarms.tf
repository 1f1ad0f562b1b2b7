# Every alarm of the request. All publish to the SNS topic on ALARM and on OK, so the ops team also learns when an
# incident clears. Count-like metrics are only emitted when something happens, so missing data is "not breaching".

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
  t             = var.alarm_thresholds

  # Functions with their timeouts (for the Duration threshold), keyed by a stable short name.
  monitored_functions = merge(
    {
      for p, _ in var.webhook_providers : "${p}-validator" => {
        name    = module.validators[p].function_name
        timeout = var.validator_timeout
      }
    },
    {
      processor  = { name = module.processor.function_name, timeout = var.processor_timeout }
      query      = { name = module.query.function_name, timeout = var.query_timeout }
      authorizer = { name = module.authorizer.function_name, timeout = var.authorizer_timeout }
    },
  )

  api_dimensions = {
    ApiName = module.api_gateway.rest_api_name
    Stage   = module.api_gateway.stage_name
  }

  # DynamoDB reports SystemErrors and ThrottledRequests per TableName *and* Operation only, so the table-wide alarms
  # sum the operations the functions use.
  dynamodb_operations = ["GetItem", "PutItem", "UpdateItem", "Query"]
}

# ---------------------------------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  for_each = local.monitored_functions

  alarm_name          = "${local.name}-${each.key}-errors"
  alarm_description   = "${each.value.name}: more than ${local.t.lambda_errors} invocation errors in 5 minutes. Check its log group and X-Ray traces."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.lambda_errors
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  for_each = local.monitored_functions

  alarm_name          = "${local.name}-${each.key}-throttles"
  alarm_description   = "${each.value.name}: more than ${local.t.lambda_throttles} throttled invocations in 5 minutes (reserved or account concurrency exhausted)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.lambda_throttles
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "lambda_duration" {
  for_each = local.monitored_functions

  alarm_name          = "${local.name}-${each.key}-duration-near-timeout"
  alarm_description   = "${each.value.name}: slowest invocation above ${local.t.lambda_duration_percent_of_timeout}% of its ${each.value.timeout} s timeout in 5 minutes."
  namespace           = "AWS/Lambda"
  metric_name         = "Duration"
  dimensions          = { FunctionName = each.value.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.timeout * 1000 * local.t.lambda_duration_percent_of_timeout / 100
  unit                = "Milliseconds"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Account-wide: no FunctionName dimension.
resource "aws_cloudwatch_metric_alarm" "lambda_concurrent_executions" {
  alarm_name          = "${local.name}-account-concurrent-executions"
  alarm_description   = "Account concurrency above ${local.t.concurrent_executions} of the 1,000 limit for 3 minutes: new invocations will soon be throttled. Request a quota increase."
  namespace           = "AWS/Lambda"
  metric_name         = "ConcurrentExecutions"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.concurrent_executions
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dlq_messages" {
  alarm_name          = "${local.name}-dlq-messages"
  alarm_description   = "More than ${local.t.dlq_messages} failed events waiting in ${aws_sqs_queue.dlq.name}: the processor failed them 3 times. Fix the cause, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.dlq_messages
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# ---------------------------------------------------------------------------------------------------------------------
# API Gateway (ApiName + Stage dimensions)
# ---------------------------------------------------------------------------------------------------------------------

locals {
  # Error *rates* (errors / requests), not counts: a count threshold would mean something else at every traffic level.
  api_error_rate_alarms = {
    "4xx" = {
      metric_name = "4XXError"
      threshold   = local.t.api_4xx_rate_percent
      causes      = "schema rejections (400), bad signatures (401), disabled keys (403) or throttling (429)"
    }
    "5xx" = {
      metric_name = "5XXError"
      threshold   = local.t.api_5xx_rate_percent
      causes      = "validator failures (providers will retry), timeouts or integration errors"
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_error_rate" {
  for_each = local.api_error_rate_alarms

  alarm_name          = "${local.name}-api-${each.key}-rate"
  alarm_description   = "More than ${each.value.threshold}% of requests got a ${each.key} in 5 minutes: ${each.value.causes}."
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "100 * errors / requests"
    label       = "${upper(each.key)} rate (%)"
    return_data = true
  }

  metric_query {
    id = "errors"

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = each.value.metric_name
      dimensions  = local.api_dimensions
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "requests"

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = local.api_dimensions
      stat        = "Sum"
      period      = 300
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "api_latency_p99" {
  alarm_name          = "${local.name}-api-latency-p99"
  alarm_description   = "p99 latency above ${local.t.api_latency_p99_ms} ms for 5 minutes (target: under 1 s). Check validator cold starts and Secrets Manager/S3 latency in X-Ray."
  namespace           = "AWS/ApiGateway"
  metric_name         = "Latency"
  dimensions          = local.api_dimensions
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.api_latency_p99_ms
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Traffic outside the learned band, in either direction: a drop can mean a provider stopped delivering.
resource "aws_cloudwatch_metric_alarm" "api_count_anomaly" {
  alarm_name          = "${local.name}-api-request-count-anomaly"
  alarm_description   = "Request count outside the anomaly band (${local.t.api_count_anomaly_band_width} standard deviations) for 3 of 3 periods of 5 minutes: a surge, or a provider that stopped sending."
  comparison_operator = "LessThanLowerOrGreaterThanUpperThreshold"
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  threshold_metric_id = "band"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "band"
    expression  = "ANOMALY_DETECTION_BAND(requests, ${local.t.api_count_anomaly_band_width})"
    label       = "Count (expected)"
    return_data = true
  }

  metric_query {
    id          = "requests"
    return_data = true

    metric {
      namespace   = "AWS/ApiGateway"
      metric_name = "Count"
      dimensions  = local.api_dimensions
      stat        = "Sum"
      period      = 300
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# DynamoDB
# ---------------------------------------------------------------------------------------------------------------------

# UserErrors is an account-and-region metric with no dimensions: it counts 4xx from every table of the account.
resource "aws_cloudwatch_metric_alarm" "dynamodb_user_errors" {
  alarm_name          = "${local.name}-dynamodb-user-errors"
  alarm_description   = "More than ${local.t.dynamodb_user_errors} DynamoDB client errors (HTTP 400) in 5 minutes in this account and region: bad requests or missing permissions. Conditional-check failures are not counted here."
  namespace           = "AWS/DynamoDB"
  metric_name         = "UserErrors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.dynamodb_user_errors
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_system_errors" {
  alarm_name          = "${local.name}-dynamodb-system-errors"
  alarm_description   = "DynamoDB returned server errors (HTTP 500) on ${module.transactions_table.table_name}. The SDK retries; the processor's retries and DLQ catch the rest."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.dynamodb_system_errors
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "total"
    expression  = "SUM(METRICS())"
    label       = "SystemErrors (all operations)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.dynamodb_operations

    content {
      id = "op${metric_query.key}"

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "SystemErrors"
        dimensions  = { TableName = module.transactions_table.table_name, Operation = metric_query.value }
        stat        = "Sum"
        period      = 300
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "dynamodb_throttled_requests" {
  alarm_name          = "${local.name}-dynamodb-throttled-requests"
  alarm_description   = "More than ${local.t.dynamodb_throttled_requests} throttled requests on ${module.transactions_table.table_name} in 5 minutes: on-demand peak above twice the previous peak, or a hot partition."
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.dynamodb_throttled_requests
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "total"
    expression  = "SUM(METRICS())"
    label       = "ThrottledRequests (all operations)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = local.dynamodb_operations

    content {
      id = "op${metric_query.key}"

      metric {
        namespace   = "AWS/DynamoDB"
        metric_name = "ThrottledRequests"
        dimensions  = { TableName = module.transactions_table.table_name, Operation = metric_query.value }
        stat        = "Sum"
        period      = 300
      }
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Silent loss (docs/monitoring.md): an event that was acknowledged (2xx) but never became a record, or became one
# nobody looks at. Each alarm names what it watches; the page says what it means and the first three things to check.
# ---------------------------------------------------------------------------------------------------------------------

locals {
  processor_dimensions = { FunctionName = module.processor.function_name }

  # The namespace the code's EMF metrics are written to (POWERTOOLS_METRICS_NAMESPACE), with the only dimension the
  # code sets on them: provider (Metrics(service="") keeps Powertools from adding `service`).
  application_metric_namespace = local.common_function_environment.POWERTOOLS_METRICS_NAMESPACE

  # Providers with a silence alarm: the providers map, filtered by provider_silence_alarm_minutes (dev: {}).
  provider_silence_minutes = {
    for p, _ in var.webhook_providers : p => var.provider_silence_alarm_minutes[p]
    if contains(keys(var.provider_silence_alarm_minutes), p)
  }
}

# Processing lag: how long the oldest event waited in Lambda's async queue before the processor ran it. Normal is
# milliseconds; minutes mean throttling (reserved concurrency exhausted) or retries of failing events.
resource "aws_cloudwatch_metric_alarm" "processor_async_event_age" {
  alarm_name          = "${local.name}-processor-async-event-age"
  alarm_description   = "Processor lag: an event waited more than ${local.t.processor_async_event_age_ms} ms in the async queue (max over 5 min). Check processor throttles, errors and concurrency; see docs/monitoring.md."
  namespace           = "AWS/Lambda"
  metric_name         = "AsyncEventAge"
  dimensions          = local.processor_dimensions
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.processor_async_event_age_ms
  unit                = "Milliseconds"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Events about to reach MaximumEventAgeInSeconds. CloudWatch does not split AsyncEventsDropped by reason, so the
# age-based drops are caught *before* they happen: an event older than this share of the maximum age is at risk.
resource "aws_cloudwatch_metric_alarm" "processor_event_age_near_max" {
  alarm_name          = "${local.name}-processor-event-age-near-max"
  alarm_description   = "An async event is older than ${local.t.processor_event_age_percent_of_max}% of the processor's ${var.processor_max_event_age_seconds} s maximum event age: at 100% Lambda drops it to the DLQ unprocessed. See docs/monitoring.md."
  namespace           = "AWS/Lambda"
  metric_name         = "AsyncEventAge"
  dimensions          = local.processor_dimensions
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.processor_max_event_age_seconds * 1000 * local.t.processor_event_age_percent_of_max / 100
  unit                = "Milliseconds"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Every event Lambda discarded from the async queue without a successful run (retries exhausted, maximum age reached,
# or concurrency 0). With the DLQ configured each of them went to the DLQ, unless DeadLetterErrors says otherwise.
resource "aws_cloudwatch_metric_alarm" "processor_async_events_dropped" {
  alarm_name          = "${local.name}-processor-async-events-dropped"
  alarm_description   = "More than ${local.t.processor_async_events_dropped} async events left the processor's queue without a successful run in 5 minutes (retries exhausted or maximum event age reached). They are in the DLQ unless the dead-letter-errors alarm also fires. See docs/monitoring.md."
  namespace           = "AWS/Lambda"
  metric_name         = "AsyncEventsDropped"
  dimensions          = local.processor_dimensions
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.processor_async_events_dropped
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The one Lambda metric that means an event is gone: dropped, and the DLQ would not take it.
resource "aws_cloudwatch_metric_alarm" "processor_dead_letter_errors" {
  alarm_name          = "${local.name}-processor-dead-letter-errors"
  alarm_description   = "Lambda could not send a dropped processor event to ${aws_sqs_queue.dlq.name}: that event is lost except for its raw payload in S3. Replay it from the archive. See docs/monitoring.md."
  namespace           = "AWS/Lambda"
  metric_name         = "DeadLetterErrors"
  dimensions          = local.processor_dimensions
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# Failed records (decision 22): signature-valid events we could not normalize, stored with status "failed".
resource "aws_cloudwatch_metric_alarm" "processing_failed" {
  for_each = var.webhook_providers

  alarm_name          = "${local.name}-${each.key}-processing-failed"
  alarm_description   = "More than ${local.t.processing_failed} ${each.key} events became failed records in 5 minutes: money may have moved that no system knows the details of. See docs/monitoring.md."
  namespace           = local.application_metric_namespace
  metric_name         = "ProcessingFailed"
  dimensions          = { provider = each.key }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.processing_failed
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# The count alarm above (dlq-messages > 10) misses a few messages left alone; their age catches them before the
# 14-day retention deletes them.
resource "aws_cloudwatch_metric_alarm" "dlq_oldest_message_age" {
  alarm_name          = "${local.name}-dlq-oldest-message-age"
  alarm_description   = "A message has waited more than ${local.t.dlq_oldest_message_age_seconds} s in ${aws_sqs_queue.dlq.name}; SQS deletes it after ${var.dlq_message_retention_seconds} s. Fix the cause and redrive. See docs/monitoring.md."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.t.dlq_oldest_message_age_seconds
  unit                = "Seconds"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

# A provider gone silent. The API-wide anomaly alarm cannot see this: one provider's traffic going to zero is a
# small dip in the total, well inside the band. Here missing data *is* the signal, so it counts as breaching, and
# every one of the last N one-minute periods must be empty.
resource "aws_cloudwatch_metric_alarm" "provider_silent" {
  for_each = local.provider_silence_minutes

  alarm_name          = "${local.name}-${each.key}-silent"
  alarm_description   = "No ${each.key} webhook reached its validator for ${each.value} minutes. Check the provider's status page and delivery log, the webhook URL registered there, and the API's 4xx/5xx for that route. See docs/monitoring.md."
  namespace           = local.application_metric_namespace
  metric_name         = "WebhookReceived"
  dimensions          = { provider = each.key }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = each.value
  datapoints_to_alarm = each.value
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

check "provider_silence_alarm_minutes_keys" {
  assert {
    condition     = length(setsubtract(keys(var.provider_silence_alarm_minutes), keys(var.webhook_providers))) == 0
    error_message = "provider_silence_alarm_minutes has entries for providers that are not in webhook_providers; they get no alarm."
  }
}
