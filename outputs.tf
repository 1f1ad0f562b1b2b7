output "api_url" {
  description = "Invoke URL of the stage (https://<api id>.execute-api.<region>.amazonaws.com/<environment>)."
  value       = module.api_gateway.invoke_url
}

output "webhook_urls" {
  description = "Webhook URL per provider: register these in the Stripe, PayPal and Square dashboards."
  value       = module.api_gateway.webhook_urls
}

output "transactions_url" {
  description = "Base URL of the transaction query API (SigV4-signed in AWS_IAM mode, x-api-key in API_KEY mode; docs/api.md)."
  value       = module.api_gateway.transactions_url
}

output "square_notification_url" {
  description = "The URL the Square validator signs against; it must equal the URL registered with Square byte for byte."
  value       = local.square_notification_url
}

output "rest_api_id" {
  description = "ID of the REST API."
  value       = module.api_gateway.rest_api_id
}

output "stage_name" {
  description = "Name of the API stage (the environment)."
  value       = module.api_gateway.stage_name
}

output "function_arns" {
  description = "Lambda function ARNs by function name."
  value = merge(
    { for p, m in module.validators : m.function_name => m.function_arn },
    {
      (module.processor.function_name)  = module.processor.function_arn
      (module.query.function_name)      = module.query.function_arn
      (module.authorizer.function_name) = module.authorizer.function_arn
    },
  )
}

output "layer_version_arn" {
  description = "ARN of the current webhook-processor-dependencies layer version."
  value       = module.dependencies_layer.arn
}

output "dynamodb_table_name" {
  description = "Name of the transactions table."
  value       = module.transactions_table.table_name
}

output "dynamodb_table_arn" {
  description = "ARN of the transactions table."
  value       = module.transactions_table.table_arn
}

output "dynamodb_stream_arn" {
  description = "ARN of the transactions table's stream (NEW_AND_OLD_IMAGES), for audit or analytics consumers."
  value       = module.transactions_table.stream_arn
}

output "raw_payloads_bucket" {
  description = "Name of the raw webhook payloads bucket."
  value       = module.raw_payloads_bucket.bucket_id
}

output "transaction_logs_bucket" {
  description = "Name of the processed transaction logs bucket."
  value       = module.transaction_logs_bucket.bucket_id
}

output "cloudtrail_bucket" {
  description = "Name of the CloudTrail log bucket, or null when enable_cloudtrail is false."
  value       = try(module.cloudtrail_bucket[0].bucket_id, null)
}

output "dlq_url" {
  description = "URL of the processor's dead letter queue."
  value       = aws_sqs_queue.dlq.id
}

output "dlq_arn" {
  description = "ARN of the processor's dead letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "usage_plan_ids" {
  description = "Usage plan IDs: one per provider, plus internal-query in API_KEY mode."
  value       = module.api_gateway.usage_plan_ids
}

output "webhook_api_key_ids" {
  description = "API key IDs per provider (never the values). Disable one to stop only that provider."
  value       = module.api_gateway.webhook_api_key_ids
}

output "query_api_key_id" {
  description = "API_KEY mode: ID of the internal-query API key; read its value with `aws apigateway get-api-key --api-key <id> --include-value`. Null in AWS_IAM mode."
  value       = module.api_gateway.query_api_key_id
}

output "provider_secret_arns" {
  description = "Secrets Manager ARNs per provider; put the values with `aws secretsmanager put-secret-value`."
  value       = { for p, s in aws_secretsmanager_secret.provider : p => s.arn }
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm publishes to (subscribe pagers here)."
  value       = aws_sns_topic.alarms.arn
}

output "log_group_names" {
  description = "CloudWatch log group names by function key, plus api-access and api-execution."
  value = merge(
    local.function_log_groups,
    {
      api-access    = aws_cloudwatch_log_group.api_access.name
      api-execution = aws_cloudwatch_log_group.api_execution.name
    },
  )
}

output "event_bus_name" {
  description = "Name of the EventBridge bus the outbox publishes every new transaction record to (docs/events.md), or null when enable_event_bus is false."
  value       = try(aws_cloudwatch_event_bus.transactions[0].name, null)
}

output "event_bus_arn" {
  description = "ARN of the transactions event bus (for rules and cross-account targets), or null when enable_event_bus is false."
  value       = try(aws_cloudwatch_event_bus.transactions[0].arn, null)
}

output "outbox_failures_queue_url" {
  description = "URL of the queue describing stream batches the outbox gave up on, or null when enable_event_bus is false."
  value       = try(aws_sqs_queue.outbox_failures[0].id, null)
}

output "processed_log_delivery" {
  description = "How the processor writes the processed log: object_per_event or firehose."
  value       = var.processed_log_delivery
}

output "processed_log_stream_name" {
  description = "Name of the Firehose stream that batches the processed log (null unless processed_log_delivery is firehose)."
  value       = try(aws_kinesis_firehose_delivery_stream.processed_log[0].name, null)
}

output "provider_shards" {
  description = "Write shards per provider of ProviderTimestampIndex (1: the index is keyed by provider; N: by provider_shard)."
  value       = var.provider_shards
}

output "query_api_authorization" {
  description = "How the query API authenticates callers: AWS_IAM (SigV4) or API_KEY; webhookctl query reads it."
  value       = module.api_gateway.query_authorization
}

output "query_api_invoke_policy_json" {
  description = "AWS_IAM mode: least-privilege IAM policy JSON (execute-api:Invoke on the two GET query routes of this stage) for query consumers to attach to their role; null in API_KEY mode."
  value       = module.api_gateway.query_invoke_policy_json
}

output "query_api_resource_policy_json" {
  description = "The REST API resource policy that limits the query routes to var.query_api_allowed_principals; null when that list is empty."
  value       = module.api_gateway.resource_policy_json
}
