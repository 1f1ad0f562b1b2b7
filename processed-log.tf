# The processed log's delivery (var.processed_log_delivery, docs/scaling.md):
#   object_per_event  the processor PUTs {provider}/{yyyy}/{mm}/{dd}/{event_id}.json itself (one PUT per event);
#   firehose          the processor PutRecords one JSON line per event into a Firehose stream, which partitions the
#                     lines by provider and event day (dynamic partitioning, inline jq) and writes batched JSON-lines
#                     objects under the same {provider}/{yyyy}/{mm}/{dd}/ prefix of the same versioned bucket.
# DynamoDB stays the system of record in both modes.

locals {
  processed_log_firehose    = var.processed_log_delivery == "firehose"
  processed_log_stream_name = "${local.name}-processed-log"
  processed_log_stream_arn  = "arn:${local.partition}:firehose:${local.region}:${local.account_id}:deliverystream/${local.processed_log_stream_name}"
  processed_log_group_name  = "/aws/kinesisfirehose/${local.processed_log_stream_name}"

  # The processor's settings for both features it reads from its environment.
  processed_log_environment = merge(
    {
      PROCESSED_LOG_DELIVERY = var.processed_log_delivery
      PROVIDER_SHARDS        = tostring(var.provider_shards)
    },
    local.processed_log_firehose ? { PROCESSED_LOG_STREAM = local.processed_log_stream_name } : {},
  )

  # The partition keys, from each line's own fields: provider and the UTC day of event_time, the same date the
  # object_per_event keys use. jq 1.6's strftime takes the epoch seconds directly.
  processed_log_partition_query = "{provider: .provider, year: (.event_time | strftime(\"%Y\")), month: (.event_time | strftime(\"%m\")), day: (.event_time | strftime(\"%d\"))}"
}

# ---------------------------------------------------------------------------------------------------------------------
# The stream (firehose mode only)
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "processed_log_firehose" {
  #checkov:skip=CKV_AWS_158:Encrypted with the CloudWatch Logs service key (decision 17); Firehose writes delivery error messages here, never record contents.
  #checkov:skip=CKV_AWS_338:Delivery errors are for operating the stream; the processor's log (30 days) and the alarms below are the record.
  count = local.processed_log_firehose ? 1 : 0

  name              = local.processed_log_group_name
  retention_in_days = var.log_retention_days.processor
}

resource "aws_cloudwatch_log_stream" "processed_log_firehose" {
  count = local.processed_log_firehose ? 1 : 0

  name           = "DestinationDelivery"
  log_group_name = aws_cloudwatch_log_group.processed_log_firehose[0].name
}

data "aws_iam_policy_document" "processed_log_firehose_assume_role" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["firehose.amazonaws.com"]
    }

    # Only Firehose acting for this account (confused-deputy protection, as the Firehose guide recommends).
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "processed_log_firehose" {
  count = local.processed_log_firehose ? 1 : 0

  name               = "${local.processed_log_stream_name}-role"
  description        = "Lets Firehose ${local.processed_log_stream_name} write the processed-log bucket and its error log."
  assume_role_policy = data.aws_iam_policy_document.processed_log_firehose_assume_role.json
}

# The S3 actions the Firehose guide lists for an S3 destination, on this one bucket only.
data "aws_iam_policy_document" "processed_log_firehose" {
  statement {
    sid       = "FindBucket"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [module.transaction_logs_bucket.bucket_arn]
  }

  statement {
    sid       = "WriteBatches"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
    resources = ["${module.transaction_logs_bucket.bucket_arn}/*"]
  }

  statement {
    sid       = "LogDeliveryErrors"
    actions   = ["logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.processed_log_group_name}:log-stream:*"]
  }
}

resource "aws_iam_role_policy" "processed_log_firehose" {
  count = local.processed_log_firehose ? 1 : 0

  name   = "least-privilege"
  role   = aws_iam_role.processed_log_firehose[0].id
  policy = data.aws_iam_policy_document.processed_log_firehose.json
}

resource "aws_kinesis_firehose_delivery_stream" "processed_log" {
  #checkov:skip=CKV_AWS_241:Encrypted at rest with the AWS-owned key (decision 17: AWS-managed keys); objects land under the bucket's SSE-S3 (mandatory requirement 5).
  count = local.processed_log_firehose ? 1 : 0

  name        = local.processed_log_stream_name
  destination = "extended_s3"

  # Records wait in Firehose's buffer for up to interval_seconds: encrypt them there too.
  server_side_encryption {
    enabled  = true
    key_type = "AWS_OWNED_CMK"
  }

  extended_s3_configuration {
    role_arn   = aws_iam_role.processed_log_firehose[0].arn
    bucket_arn = module.transaction_logs_bucket.bucket_arn

    # The request's /{provider}/{year}/{month}/{day}/ layout; Firehose names the objects inside it.
    prefix              = "!{partitionKeyFromQuery:provider}/!{partitionKeyFromQuery:year}/!{partitionKeyFromQuery:month}/!{partitionKeyFromQuery:day}/"
    error_output_prefix = "firehose-errors/!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
    file_extension      = ".jsonl"
    compression_format  = "UNCOMPRESSED"
    buffering_size      = var.processed_log_buffering.size_mb
    buffering_interval  = var.processed_log_buffering.interval_seconds

    dynamic_partitioning_configuration {
      enabled        = true
      retry_duration = 300
    }

    # Each line already ends in "\n" (the processor writes JSON lines), so no delimiter processor is needed.
    processing_configuration {
      enabled = true

      processors {
        type = "MetadataExtraction"

        parameters {
          parameter_name  = "JsonParsingEngine"
          parameter_value = "JQ-1.6"
        }

        parameters {
          parameter_name  = "MetadataExtractionQuery"
          parameter_value = local.processed_log_partition_query
        }
      }
    }

    cloudwatch_logging_options {
      enabled         = true
      log_group_name  = aws_cloudwatch_log_group.processed_log_firehose[0].name
      log_stream_name = aws_cloudwatch_log_stream.processed_log_firehose[0].name
    }
  }

  depends_on = [aws_iam_role_policy.processed_log_firehose]
}

# ---------------------------------------------------------------------------------------------------------------------
# Delivery alarms (firehose mode only): lines the processor handed over must reach S3
# ---------------------------------------------------------------------------------------------------------------------

locals {
  processed_log_alarms = local.processed_log_firehose ? {
    # Any failed delivery attempt in a 5-minute window (Success is the share of successful PUTs, 0 to 1).
    delivery-failures = {
      metric      = "DeliveryToS3.Success"
      statistic   = "Minimum"
      comparison  = "LessThanThreshold"
      threshold   = 1
      description = "Firehose could not write a batch of processed-log lines to S3 (it retries for 24 h, then writes them under firehose-errors/)."
    }
    # The oldest undelivered line is older than a full buffer interval plus 15 minutes of retries: delivery is stuck.
    delivery-stale = {
      metric      = "DeliveryToS3.DataFreshness"
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = var.processed_log_buffering.interval_seconds + 900
      description = "Processed-log lines are waiting in Firehose longer than the buffer interval plus 15 minutes."
    }
    # Dynamic partitioning keeps at most 500 partitions open per stream; past that, lines go to the error prefix.
    partitioning-failures = {
      metric      = "PartitionCountExceeded"
      statistic   = "Maximum"
      comparison  = "GreaterThanThreshold"
      threshold   = 0
      description = "The stream has more active partitions (provider x day) than Firehose allows; lines go to firehose-errors/."
    }
  } : {}
}

resource "aws_cloudwatch_metric_alarm" "processed_log" {
  for_each = local.processed_log_alarms

  alarm_name          = "${local.name}-processed-log-${each.key}"
  alarm_description   = each.value.description
  namespace           = "AWS/Firehose"
  metric_name         = each.value.metric
  dimensions          = { DeliveryStreamName = aws_kinesis_firehose_delivery_stream.processed_log[0].name }
  statistic           = each.value.statistic
  period              = 300
  evaluation_periods  = 1
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
