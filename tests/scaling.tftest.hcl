# GSI write sharding (provider_shards) and processed-log delivery (processed_log_delivery), planned against the same
# mock AWS provider as main.tftest.hcl (docs/scaling.md). The mock block is repeated because each test file has its own.

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

  mock_resource "aws_kinesis_firehose_delivery_stream" {
    defaults = { arn = "arn:aws:firehose:us-east-1:123456789012:deliverystream/payment-webhooks-dev-processed-log" }
  }
}

variables {
  environment = "dev"
}

run "defaults_keep_the_request_shape" {
  command = apply

  assert {
    condition = (
      module.transactions_table.global_secondary_indexes["ProviderTimestampIndex"].hash_key == "provider" &&
      module.processor.environment_variables["PROVIDER_SHARDS"] == "1" &&
      module.query.environment_variables["PROVIDER_SHARDS"] == "1" &&
      module.processor.environment_variables["PROCESSED_LOG_DELIVERY"] == "object_per_event" &&
      !contains(keys(module.processor.environment_variables), "PROCESSED_LOG_STREAM")
    )
    error_message = "provider_shards = 1 keeps ProviderTimestampIndex on provider; object_per_event is the default."
  }

  assert {
    condition = (
      length(aws_kinesis_firehose_delivery_stream.processed_log) == 0 &&
      length(aws_iam_role.processed_log_firehose) == 0 &&
      length(aws_cloudwatch_metric_alarm.processed_log) == 0 &&
      output.processed_log_stream_name == null &&
      [for st in data.aws_iam_policy_document.processor.statement : st.sid if startswith(st.sid, "S")] == ["StoreProcessedLogs", "SendFailedEventsToDlq"]
    )
    error_message = "object_per_event: no stream, no Firehose role or alarms, and the processor may PutObject but not PutRecord."
  }
}

run "sharded_index" {
  command = apply

  variables {
    provider_shards = 4
  }

  assert {
    condition = (
      module.transactions_table.global_secondary_indexes["ProviderTimestampIndex"].hash_key == "provider_shard" &&
      module.transactions_table.global_secondary_indexes["ProviderTimestampIndex"].range_key == "timestamp" &&
      module.transactions_table.global_secondary_indexes["CustomerIndex"].hash_key == "customer_id" &&
      module.processor.environment_variables["PROVIDER_SHARDS"] == "4" &&
      module.query.environment_variables["PROVIDER_SHARDS"] == "4"
    )
    error_message = "provider_shards > 1 keys ProviderTimestampIndex by provider_shard, and both functions know N."
  }
}

run "firehose_delivery" {
  command = apply

  variables {
    processed_log_delivery  = "firehose"
    processed_log_buffering = { size_mb = 64, interval_seconds = 120 }
  }

  assert {
    condition = (
      module.processor.environment_variables["PROCESSED_LOG_DELIVERY"] == "firehose" &&
      module.processor.environment_variables["PROCESSED_LOG_STREAM"] == "payment-webhooks-dev-processed-log" &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].name == "payment-webhooks-dev-processed-log" &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].destination == "extended_s3"
    )
    error_message = "firehose: one stream, named for the environment, and the processor is told its name."
  }

  assert {
    condition = (
      aws_kinesis_firehose_delivery_stream.processed_log[0].server_side_encryption[0].enabled &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].bucket_arn == module.transaction_logs_bucket.bucket_arn &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].prefix == "!{partitionKeyFromQuery:provider}/!{partitionKeyFromQuery:year}/!{partitionKeyFromQuery:month}/!{partitionKeyFromQuery:day}/" &&
      startswith(aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].error_output_prefix, "firehose-errors/!{firehose:error-output-type}/") &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].dynamic_partitioning_configuration[0].enabled &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].buffering_size == 64 &&
      aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].buffering_interval == 120
    )
    error_message = "The stream encrypts its buffer, partitions by provider and day into the processed bucket, with the given buffering."
  }

  assert {
    condition = one([
      for p in aws_kinesis_firehose_delivery_stream.processed_log[0].extended_s3_configuration[0].processing_configuration[0].processors :
      { for prm in p.parameters : prm.parameter_name => prm.parameter_value } if p.type == "MetadataExtraction"
      ]) == {
      JsonParsingEngine       = "JQ-1.6"
      MetadataExtractionQuery = "{provider: .provider, year: (.event_time | strftime(\"%Y\")), month: (.event_time | strftime(\"%m\")), day: (.event_time | strftime(\"%d\"))}"
    }
    error_message = "Partition keys come from each line's provider and event_time (UTC day), like the object_per_event keys."
  }

  assert {
    condition = {
      for st in data.aws_iam_policy_document.processor.statement : st.sid => [toset(st.actions), toset(st.resources)] if st.sid == "SendProcessedLogLines" || st.sid == "StoreProcessedLogs"
      } == {
      SendProcessedLogLines = [toset(["firehose:PutRecord", "firehose:PutRecordBatch"]), toset(["arn:aws:firehose:us-east-1:123456789012:deliverystream/payment-webhooks-dev-processed-log"])]
    }
    error_message = "firehose: the processor may PutRecord to its stream only, and no longer PutObject into the processed bucket."
  }

  assert {
    condition = (
      { for st in data.aws_iam_policy_document.processed_log_firehose.statement : st.sid => [toset(st.actions), toset(st.resources)] } == {
        FindBucket        = [toset(["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]), toset(["arn:aws:s3:::mock-bucket"])]
        WriteBatches      = [toset(["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]), toset(["arn:aws:s3:::mock-bucket/*"])]
        LogDeliveryErrors = [toset(["logs:PutLogEvents"]), toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/kinesisfirehose/payment-webhooks-dev-processed-log:log-stream:*"])]
      } &&
      toset(one(data.aws_iam_policy_document.processed_log_firehose_assume_role.statement[0].condition).values) == toset(["123456789012"])
    )
    error_message = "The Firehose role writes only the processed bucket and its own error log, and only Firehose for this account may assume it."
  }

  assert {
    condition = (
      toset(keys(aws_cloudwatch_metric_alarm.processed_log)) == toset(["delivery-failures", "delivery-stale", "partitioning-failures"]) &&
      aws_cloudwatch_metric_alarm.processed_log["delivery-failures"].metric_name == "DeliveryToS3.Success" &&
      aws_cloudwatch_metric_alarm.processed_log["delivery-stale"].threshold == 1020 &&
      alltrue([for a in values(aws_cloudwatch_metric_alarm.processed_log) : a.namespace == "AWS/Firehose" && a.alarm_actions == toset([aws_sns_topic.alarms.arn])])
    )
    error_message = "Delivery failures, stale data and partition overflow each alarm to the ops topic."
  }
}

run "rejects_shards_out_of_range" {
  command = plan

  variables {
    provider_shards = 17
  }

  expect_failures = [var.provider_shards]
}

run "rejects_fractional_shards" {
  command = plan

  variables {
    provider_shards = 2.5
  }

  expect_failures = [var.provider_shards]
}

run "rejects_unknown_delivery" {
  command = plan

  variables {
    processed_log_delivery = "kinesis"
  }

  expect_failures = [var.processed_log_delivery]
}

run "rejects_buffer_below_dynamic_partitioning_minimum" {
  command = plan

  variables {
    processed_log_buffering = { size_mb = 5 }
  }

  expect_failures = [var.processed_log_buffering]
}
