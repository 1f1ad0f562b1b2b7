# The processor: invoked asynchronously by the validators, writes DynamoDB and the processed bucket. After the
# configured retries (2, so 3 attempts) the original event goes to the SQS DLQ for a fix and a redrive.
module "processor" {
  source = "./modules/lambda-function"

  function_name = local.function_names.processor
  description   = "Normalizes webhook events into transaction records (DynamoDB) and processed logs (S3)."
  role_arn      = aws_iam_role.processor.arn
  runtime       = var.lambda_runtime
  memory_size   = var.processor_memory_size
  timeout       = var.processor_timeout
  filename      = "${local.artifacts_dir}/functions/processor.zip"
  layers        = [module.dependencies_layer.arn]

  reserved_concurrent_executions = var.processor_reserved_concurrency
  dead_letter_target_arn         = aws_sqs_queue.dlq.arn
  create_async_invoke_config     = true
  maximum_retry_attempts         = var.processor_max_retry_attempts
  maximum_event_age_in_seconds   = var.processor_max_event_age_seconds

  log_retention_in_days = var.log_retention_days.processor

  environment_variables = merge(
    local.common_function_environment,
    {
      DYNAMODB_TABLE          = module.transactions_table.table_name
      S3_PROCESSED_BUCKET     = module.transaction_logs_bucket.bucket_id
      S3_BUCKET               = module.raw_payloads_bucket.bucket_id
      POWERTOOLS_SERVICE_NAME = local.function_names.processor
    },
    local.processed_log_environment,
  )

  # CreateFunction checks that the role may sqs:SendMessage to the DLQ, so the policy must exist first.
  depends_on = [aws_iam_role_policy.processor]
}
