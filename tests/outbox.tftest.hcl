# The silent-loss alarms (cloudwatch-alarms.tf) and the outbox to EventBridge (eventbridge.tf), planned against a mock
# AWS provider like tests/main.tftest.hcl (same mocks, plus the event bus).

mock_provider "aws" {
  # The provider still validates configuration, so computed ARNs and policy JSON need realistic shapes (every
  # instance of a type gets the same value).
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:root"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }

  # Policy documents are rendered by the real provider only; the mock's random strings are not JSON.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock-role" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:webhook-processing-dlq"
      id  = "https://sqs.us-east-1.amazonaws.com/123456789012/webhook-processing-dlq"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/webhook-processing-dlq"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:payment-webhooks-alarms" }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn           = "arn:aws:lambda:us-east-1:123456789012:function:mock"
      qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:mock:$LATEST"
      invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock/invocations"
    }
  }

  mock_resource "aws_lambda_layer_version" {
    defaults = {
      arn       = "arn:aws:lambda:us-east-1:123456789012:layer:webhook-processor-dependencies:1"
      layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:webhook-processor-dependencies"
      version   = "1"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-bucket" }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:us-east-1:123456789012:table/webhook-transactions"
      stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/webhook-transactions/stream/2026-01-01T00:00:00.000"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-processor/mock/secret-AbCdEf" }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id               = "abc123defg"
      root_resource_id = "rootid0000"
      execution_arn    = "arn:aws:execute-api:us-east-1:123456789012:abc123defg"
    }
  }

  mock_resource "aws_api_gateway_stage" {
    defaults = {
      arn           = "arn:aws:apigateway:us-east-1::/restapis/abc123defg/stages/mock"
      execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/mock"
      invoke_url    = "https://abc123defg.execute-api.us-east-1.amazonaws.com/mock"
    }
  }

  mock_resource "aws_cloudtrail" {
    defaults = { arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/mock" }
  }

  mock_resource "aws_cloudwatch_event_bus" {
    defaults = { arn = "arn:aws:events:us-east-1:123456789012:event-bus/payment-webhooks-staging-transactions" }
  }
}

variables {
  environment = "staging"
}

# ---------------------------------------------------------------------------------------------------------------------
# Silent loss
# ---------------------------------------------------------------------------------------------------------------------

run "silent_loss_alarms" {
  command = apply

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.processor_async_event_age.namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.processor_async_event_age.metric_name == "AsyncEventAge" &&
      aws_cloudwatch_metric_alarm.processor_async_event_age.dimensions == tomap({ FunctionName = "webhook-processor" }) &&
      aws_cloudwatch_metric_alarm.processor_async_event_age.statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.processor_async_event_age.threshold == 300000 &&
      aws_cloudwatch_metric_alarm.processor_async_event_age.comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.processor_async_event_age.treat_missing_data == "notBreaching"
    )
    error_message = "Processing lag: AsyncEventAge of the processor, maximum above 5 minutes."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.metric_name == "AsyncEventAge" &&
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.dimensions == tomap({ FunctionName = "webhook-processor" }) &&
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.threshold == 21600 * 1000 / 2 &&
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.treat_missing_data == "notBreaching"
    )
    error_message = "Maximum-event-age drops are caught at half of MaximumEventAgeInSeconds (6 h), before they happen."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.metric_name == "AsyncEventsDropped" &&
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.dimensions == tomap({ FunctionName = "webhook-processor" }) &&
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.statistic == "Sum" &&
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.threshold == 0 &&
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.comparison_operator == "GreaterThanThreshold" &&
      aws_cloudwatch_metric_alarm.processor_async_events_dropped.treat_missing_data == "notBreaching" &&
      aws_cloudwatch_metric_alarm.processor_dead_letter_errors.namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.processor_dead_letter_errors.metric_name == "DeadLetterErrors" &&
      aws_cloudwatch_metric_alarm.processor_dead_letter_errors.treat_missing_data == "notBreaching" &&
      aws_cloudwatch_metric_alarm.processor_dead_letter_errors.dimensions == tomap({ FunctionName = "webhook-processor" }) &&
      aws_cloudwatch_metric_alarm.processor_dead_letter_errors.threshold == 0
    )
    error_message = "Any dropped async event alarms; DeadLetterErrors above 0 (a dropped event the DLQ refused) too."
  }

  assert {
    condition = length(aws_cloudwatch_metric_alarm.processing_failed) == 3 && alltrue([
      for p, a in aws_cloudwatch_metric_alarm.processing_failed :
      a.namespace == "PaymentWebhooks" && a.metric_name == "ProcessingFailed" && a.dimensions == tomap({ provider = p }) &&
      a.statistic == "Sum" && a.threshold == 0 && a.comparison_operator == "GreaterThanThreshold" &&
      a.treat_missing_data == "notBreaching"
    ])
    error_message = "Failed records: ProcessingFailed > 0 per provider, in the code's EMF namespace with its only dimension."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.dimensions == tomap({ QueueName = "webhook-processing-dlq" }) &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.threshold == 86400 &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.treat_missing_data == "notBreaching"
    )
    error_message = "The oldest DLQ message alarms after a day, well before the 14-day retention deletes it."
  }

  assert {
    condition = length(aws_cloudwatch_metric_alarm.provider_silent) == 3 && alltrue([
      for p, a in aws_cloudwatch_metric_alarm.provider_silent :
      a.namespace == "PaymentWebhooks" && a.metric_name == "WebhookReceived" && a.dimensions == tomap({ provider = p }) &&
      a.statistic == "Sum" && a.period == 60 && a.comparison_operator == "LessThanThreshold" && a.threshold == 1 &&
      a.treat_missing_data == "breaching" &&
      a.evaluation_periods == { stripe = 30, paypal = 60, square = 60 }[p] && a.datapoints_to_alarm == a.evaluation_periods
    ])
    error_message = "A provider gone silent: no WebhookReceived for N one-minute periods, missing data breaching, N per provider."
  }

  assert {
    condition = alltrue([
      for a in concat(
        values(aws_cloudwatch_metric_alarm.processing_failed),
        values(aws_cloudwatch_metric_alarm.provider_silent),
        [
          aws_cloudwatch_metric_alarm.processor_async_event_age,
          aws_cloudwatch_metric_alarm.processor_event_age_near_max,
          aws_cloudwatch_metric_alarm.processor_async_events_dropped,
          aws_cloudwatch_metric_alarm.processor_dead_letter_errors,
          aws_cloudwatch_metric_alarm.dlq_oldest_message_age,
          aws_cloudwatch_metric_alarm.outbox_iterator_age[0],
          aws_cloudwatch_metric_alarm.outbox_failed_batches[0],
        ],
      ) : a.alarm_actions == toset([aws_sns_topic.alarms.arn]) && a.ok_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Every new alarm notifies the existing SNS topic on ALARM and OK."
  }
}

run "silence_minutes_are_per_provider_and_thresholds_are_variables" {
  command = apply

  variables {
    provider_silence_alarm_minutes = { stripe = 15, square = 240 }
    alarm_thresholds = {
      processor_async_event_age_ms       = 60000
      processor_event_age_percent_of_max = 25
      processing_failed                  = 3
      dlq_oldest_message_age_seconds     = 3600
    }
  }

  assert {
    condition = (
      keys(aws_cloudwatch_metric_alarm.provider_silent) == ["square", "stripe"] &&
      aws_cloudwatch_metric_alarm.provider_silent["stripe"].evaluation_periods == 15 &&
      aws_cloudwatch_metric_alarm.provider_silent["square"].evaluation_periods == 240
    )
    error_message = "Only providers with an entry get a silence alarm, each with its own N."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.processor_async_event_age.threshold == 60000 &&
      aws_cloudwatch_metric_alarm.processor_event_age_near_max.threshold == 21600 * 1000 / 4 &&
      aws_cloudwatch_metric_alarm.processing_failed["paypal"].threshold == 3 &&
      aws_cloudwatch_metric_alarm.dlq_oldest_message_age.threshold == 3600 &&
      aws_cloudwatch_metric_alarm.lambda_errors["processor"].threshold == 10
    )
    error_message = "Thresholds come from alarm_thresholds; unset ones keep their defaults."
  }
}

run "dev_has_no_silence_alarms" {
  command = apply

  variables {
    environment                    = "dev"
    provider_silence_alarm_minutes = {}
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.provider_silent) == 0 && length(aws_cloudwatch_metric_alarm.processing_failed) == 3
    error_message = "provider_silence_alarm_minutes = {} (environments/dev.tfvars) turns the silence alarms off, and only those."
  }
}

run "rejects_silence_window_below_five_minutes" {
  command = plan

  variables {
    provider_silence_alarm_minutes = { stripe = 3 }
  }

  expect_failures = [var.provider_silence_alarm_minutes]
}

run "rejects_event_age_share_of_100_percent" {
  command = plan

  variables {
    alarm_thresholds = { processor_event_age_percent_of_max = 100 }
  }

  expect_failures = [var.alarm_thresholds]
}

# ---------------------------------------------------------------------------------------------------------------------
# Outbox
# ---------------------------------------------------------------------------------------------------------------------

run "outbox" {
  command = apply

  assert {
    condition = (
      aws_cloudwatch_event_bus.transactions[0].name == "payment-webhooks-staging-transactions" &&
      module.outbox[0].environment_variables["EVENT_BUS_NAME"] == "payment-webhooks-staging-transactions" &&
      join(",", module.outbox[0].architectures) == "arm64" && module.outbox[0].tracing_mode == "Active" &&
      module.outbox[0].runtime == "python3.11"
    )
    error_message = "The outbox function is an arm64, traced function publishing to the environment's bus."
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.outbox[0].event_source_arn == module.transactions_table.stream_arn &&
      aws_lambda_event_source_mapping.outbox[0].starting_position == "TRIM_HORIZON" &&
      aws_lambda_event_source_mapping.outbox[0].function_response_types == toset(["ReportBatchItemFailures"]) &&
      aws_lambda_event_source_mapping.outbox[0].batch_size == 100 &&
      aws_lambda_event_source_mapping.outbox[0].maximum_retry_attempts == 10 &&
      aws_lambda_event_source_mapping.outbox[0].parallelization_factor == 2 &&
      aws_lambda_event_source_mapping.outbox[0].destination_config[0].on_failure[0].destination_arn == aws_sqs_queue.outbox_failures[0].arn
    )
    error_message = "The stream mapping: from the start of the stream, partial batch responses, finite retries, an on-failure queue."
  }

  assert {
    condition     = module.transactions_table.stream_view_type == "NEW_AND_OLD_IMAGES"
    error_message = "The outbox needs both images to tell a repaired failed record from an update."
  }

  assert {
    condition = {
      for st in data.aws_iam_policy_document.outbox[0].statement : st.sid => [toset(st.actions), toset(st.resources)]
      } == {
      WriteOwnLogs             = [toset(["logs:CreateLogStream", "logs:PutLogEvents"]), toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/webhook-outbox:*"])]
      ReadTransactionsStream   = [toset(["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"]), toset([module.transactions_table.stream_arn])]
      ListTransactionsStreams  = [toset(["dynamodb:ListStreams"]), toset(["${module.transactions_table.table_arn}/stream/*"])]
      PublishToTransactionsBus = [toset(["events:PutEvents"]), toset([aws_cloudwatch_event_bus.transactions[0].arn])]
      SendFailedBatchesToQueue = [toset(["sqs:SendMessage"]), toset([aws_sqs_queue.outbox_failures[0].arn])]
    }
    error_message = "The outbox reads only the table's stream, publishes only to its bus and writes only its failure queue."
  }

  assert {
    condition = (
      aws_sqs_queue.outbox_failures[0].sqs_managed_sse_enabled &&
      aws_cloudwatch_metric_alarm.outbox_iterator_age[0].namespace == "AWS/Lambda" &&
      aws_cloudwatch_metric_alarm.outbox_iterator_age[0].metric_name == "IteratorAge" &&
      aws_cloudwatch_metric_alarm.outbox_iterator_age[0].treat_missing_data == "notBreaching" &&
      aws_cloudwatch_metric_alarm.outbox_failed_batches[0].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.outbox_iterator_age[0].dimensions == tomap({ FunctionName = "webhook-outbox" }) &&
      aws_cloudwatch_metric_alarm.outbox_iterator_age[0].threshold == 900000 &&
      aws_cloudwatch_metric_alarm.outbox_failed_batches[0].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.outbox_failed_batches[0].dimensions == tomap({ QueueName = "webhook-outbox-failures" }) &&
      aws_cloudwatch_metric_alarm.outbox_failed_batches[0].threshold == 0
    )
    error_message = "An encrypted failure queue, and alarms on stream lag and on any batch given up."
  }

  assert {
    condition     = output.event_bus_name == "payment-webhooks-staging-transactions"
    error_message = "The bus name is an output."
  }
}

run "outbox_disabled" {
  command = apply

  variables {
    enable_event_bus = false
  }

  assert {
    condition = (
      length(aws_cloudwatch_event_bus.transactions) == 0 && length(module.outbox) == 0 &&
      length(aws_lambda_event_source_mapping.outbox) == 0 && length(aws_sqs_queue.outbox_failures) == 0 &&
      length(aws_iam_role.outbox) == 0 && length(aws_cloudwatch_metric_alarm.outbox_iterator_age) == 0 &&
      output.event_bus_name == null
    )
    error_message = "enable_event_bus = false removes the whole outbox."
  }
}

run "rejects_unbounded_outbox_retries" {
  command = plan

  variables {
    outbox_maximum_retry_attempts = -1
  }

  expect_failures = [var.outbox_maximum_retry_attempts]
}
