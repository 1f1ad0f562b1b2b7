# One Lambda function with the project's standard configuration: arm64, X-Ray Active, a log group with a retention
# created before the function, the shared layer, and optional DLQ, reserved concurrency and async invoke settings.

# Created here (not by Lambda on first write) so the retention applies from the first log line and a
# `terraform destroy` removes it. The execution roles deliberately lack logs:CreateLogGroup, so Lambda can never
# recreate the group with infinite retention behind Terraform's back.
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:Log groups use the CloudWatch Logs service key (decision 17: AWS-managed keys); handlers mask cardholder data before logging, and var.log_kms_key_id takes a CMK where one is required.
  #checkov:skip=CKV_AWS_338:Retentions are the request's (7 d validators/query, 30 d processor); the 7-year record of each webhook is the S3 payload, not the logs.
  count = var.create ? 1 : 0

  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_in_days
  kms_key_id        = var.log_kms_key_id
  tags              = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:The DLQ is per caller (var.dead_letter_target_arn): only the asynchronously invoked processor has one; API Gateway invokes the others synchronously, where a DLQ never receives anything.
  #checkov:skip=CKV_AWS_117:No VPC: the functions reach only public AWS endpoints (S3, DynamoDB, Secrets Manager, SQS) and PayPal over TLS with IAM auth; a VPC would add NAT cost and cold-start latency for no isolation gain.
  #checkov:skip=CKV_AWS_173:Environment variables hold only names and ARNs, never secrets (secrets come from Secrets Manager); Lambda encrypts them at rest with its AWS-managed key, and var.kms_key_arn takes a CMK if wanted.
  #checkov:skip=CKV_AWS_272:Code signing is optional (var.code_signing_config_arn): artifacts are built deterministically in CI and pinned by source_code_hash; an AWS Signer profile is an organisational choice.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is per caller (var.reserved_concurrent_executions): the processor reserves 100 as requested; reserving for every function would carve up the 1,000 account limit.
  count = var.create ? 1 : 0

  function_name = var.function_name
  description   = var.description
  role          = var.role_arn
  handler       = var.handler
  runtime       = var.runtime
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  layers        = var.layers
  publish       = var.publish

  filename         = var.filename
  source_code_hash = filebase64sha256(var.filename)

  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  tracing_config {
    mode = var.tracing_mode
  }

  dynamic "environment" {
    for_each = length(var.environment_variables) > 0 ? [var.environment_variables] : []

    content {
      variables = environment.value
    }
  }

  dynamic "dead_letter_config" {
    for_each = var.dead_letter_target_arn == null ? [] : [var.dead_letter_target_arn]

    content {
      target_arn = dead_letter_config.value
    }
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this]
}

# Retries and maximum event age for asynchronous invocations (the processor). Failed events after the last retry go
# to the function's dead_letter_config target.
resource "aws_lambda_function_event_invoke_config" "this" {
  count = var.create && var.create_async_invoke_config ? 1 : 0

  function_name                = aws_lambda_function.this[0].function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
}
