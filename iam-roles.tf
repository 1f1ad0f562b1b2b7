# One execution role per function, each with only what its code calls (the request's list plus what docs/design.md
# needs). Policies are inline: they exist only for their role and are deleted with it.
#
# No role has logs:CreateLogGroup: Terraform creates every log group with its retention, and a function must not be
# able to recreate a deleted group with infinite retention.

# No aws:SourceAccount condition in the trust policies: a role can only be handed to a service by a principal of this
# account (iam:PassRole), and not every service sets the key when assuming execution roles.
data "aws_iam_policy_document" "lambda_assume_role" {
  statement {
    sid     = "LambdaAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

# X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions: "*" is the only scope.
data "aws_iam_policy_document" "xray_write" {
  statement {
    sid       = "XRayWrite"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Validators
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_iam_role" "validator" {
  for_each = var.webhook_providers

  name               = "${local.validator_function_names[each.key]}-role"
  description        = "Execution role of ${local.validator_function_names[each.key]}."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "validator" {
  for_each = var.webhook_providers

  source_policy_documents = [data.aws_iam_policy_document.xray_write.json]

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn_prefix}/${local.validator_function_names[each.key]}:*"]
  }

  # Only this provider's prefix: a compromised Stripe validator cannot write PayPal payloads.
  statement {
    sid       = "StoreRawPayloads"
    actions   = ["s3:PutObject"]
    resources = ["${module.raw_payloads_bucket.bucket_arn}/${each.key}/*"]
  }

  # Write-once raw payloads (decision 24): when the conditional put finds the key taken, the validator reads the
  # stored body to tell an identical redelivery (success) from a different body (kept beside it).
  statement {
    sid       = "CompareStoredRawPayloads"
    actions   = ["s3:GetObject"]
    resources = ["${module.raw_payloads_bucket.bucket_arn}/${each.key}/*"]
  }

  statement {
    sid       = "ReadOwnSigningSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.provider[each.key].arn]
  }

  statement {
    sid       = "InvokeProcessorAsync"
    actions   = ["lambda:InvokeFunction"]
    resources = [module.processor.function_arn]
  }

  # SSE-KMS on the raw bucket (optional): a put needs a data key from the customer-managed key, and the write-once
  # check (rawstore.put_once) reads an existing object back to compare it with a redelivery, which needs Decrypt.
  dynamic "statement" {
    for_each = var.raw_payloads_kms_key_arn == null ? [] : [var.raw_payloads_kms_key_arn]
    content {
      sid       = "EncryptRawPayloads"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "validator" {
  for_each = var.webhook_providers

  name   = "least-privilege"
  role   = aws_iam_role.validator[each.key].id
  policy = data.aws_iam_policy_document.validator[each.key].json
}

# ---------------------------------------------------------------------------------------------------------------------
# Processor
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_iam_role" "processor" {
  name               = "${local.function_names.processor}-role"
  description        = "Execution role of ${local.function_names.processor}."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "processor" {
  source_policy_documents = [data.aws_iam_policy_document.xray_write.json]

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn_prefix}/${local.function_names.processor}:*"]
  }

  # GetItem: read-before-update on a status change; PutItem is conditional for idempotency (decision 4).
  statement {
    sid       = "WriteTransactions"
    actions   = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]
    resources = [module.transactions_table.table_arn]
  }

  # Exactly one processed-log sink (processed-log.tf): S3 PutObject, or PutRecord to the Firehose stream.
  dynamic "statement" {
    for_each = local.processed_log_firehose ? [] : [1]

    content {
      sid       = "StoreProcessedLogs"
      actions   = ["s3:PutObject"]
      resources = ["${module.transaction_logs_bucket.bucket_arn}/*"]
    }
  }

  dynamic "statement" {
    for_each = local.processed_log_firehose ? [1] : []

    content {
      sid       = "SendProcessedLogLines"
      actions   = ["firehose:PutRecord", "firehose:PutRecordBatch"]
      resources = [local.processed_log_stream_arn]
    }
  }

  # Bodies over 200 KB are not inlined in the async event; the processor reads them from the raw bucket.
  statement {
    sid       = "ReadLargeRawPayloads"
    actions   = ["s3:GetObject"]
    resources = ["${module.raw_payloads_bucket.bucket_arn}/*"]
  }

  dynamic "statement" {
    for_each = var.raw_payloads_kms_key_arn == null ? [] : [var.raw_payloads_kms_key_arn]
    content {
      sid       = "DecryptRawPayloads"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  # Lambda's async dead_letter_config sends with the function's own role.
  statement {
    sid       = "SendFailedEventsToDlq"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dlq.arn]
  }
}

resource "aws_iam_role_policy" "processor" {
  name   = "least-privilege"
  role   = aws_iam_role.processor.id
  policy = data.aws_iam_policy_document.processor.json
}

# ---------------------------------------------------------------------------------------------------------------------
# Query
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_iam_role" "query" {
  name               = "${local.function_names.query}-role"
  description        = "Execution role of ${local.function_names.query}."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "query" {
  source_policy_documents = [data.aws_iam_policy_document.xray_write.json]

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn_prefix}/${local.function_names.query}:*"]
  }

  statement {
    sid     = "ReadTransactions"
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    resources = [
      module.transactions_table.table_arn,
      "${module.transactions_table.table_arn}/index/*",
    ]
  }
}

resource "aws_iam_role_policy" "query" {
  name   = "least-privilege"
  role   = aws_iam_role.query.id
  policy = data.aws_iam_policy_document.query.json
}

# ---------------------------------------------------------------------------------------------------------------------
# Authorizer
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_iam_role" "authorizer" {
  name               = "${local.function_names.authorizer}-role"
  description        = "Execution role of ${local.function_names.authorizer}."
  assume_role_policy = data.aws_iam_policy_document.lambda_assume_role.json
}

data "aws_iam_policy_document" "authorizer" {
  source_policy_documents = [data.aws_iam_policy_document.xray_write.json]

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn_prefix}/${local.function_names.authorizer}:*"]
  }

  # Read the provider keys' values (GetApiKey includeValue) by id, nothing else in API Gateway.
  statement {
    sid     = "ReadProviderApiKeys"
    actions = ["apigateway:GET"]
    resources = [
      for id in values(module.api_gateway.webhook_api_key_ids) : "arn:${local.partition}:apigateway:${local.region}::/apikeys/${id}"
    ]
  }

  # API_KEY mode: the internal-query key, the only key that opens the query routes.
  dynamic "statement" {
    for_each = module.api_gateway.query_api_key_id == null ? [] : [module.api_gateway.query_api_key_id]

    content {
      sid       = "ReadQueryApiKey"
      actions   = ["apigateway:GET"]
      resources = ["arn:${local.partition}:apigateway:${local.region}::/apikeys/${statement.value}"]
    }
  }
}

resource "aws_iam_role_policy" "authorizer" {
  name   = "least-privilege"
  role   = aws_iam_role.authorizer.id
  policy = data.aws_iam_policy_document.authorizer.json
}

# ---------------------------------------------------------------------------------------------------------------------
# API Gateway → CloudWatch Logs (account-wide setting, behind a toggle)
# ---------------------------------------------------------------------------------------------------------------------
# API Gateway invokes the functions through resource-based permissions scoped to one method and path each
# (modules/api-gateway), which is narrower than an integration role that could invoke any of them.

data "aws_iam_policy_document" "api_gateway_assume_role" {
  statement {
    sid     = "ApiGatewayAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "api_gateway_cloudwatch" {
  count = local.create_api_gateway_account_settings ? 1 : 0

  name               = "api-gateway-cloudwatch-logs-${local.region}${local.name_suffix}"
  description        = "Lets API Gateway write execution and access logs in ${local.region} (the account-level setting)."
  assume_role_policy = data.aws_iam_policy_document.api_gateway_assume_role.json
}

# The role serves every REST API of the account in this region, and API Gateway names the execution log groups
# itself (API-Gateway-Execution-Logs_<api id>/<stage>), so the scope is this account's log groups in this region.
data "aws_iam_policy_document" "api_gateway_cloudwatch" {
  statement {
    sid = "WriteApiGatewayLogs"
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogGroups",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*",
      "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*:log-stream:*",
    ]
  }
}

resource "aws_iam_role_policy" "api_gateway_cloudwatch" {
  count = local.create_api_gateway_account_settings ? 1 : 0

  name   = "cloudwatch-logs"
  role   = aws_iam_role.api_gateway_cloudwatch[0].id
  policy = data.aws_iam_policy_document.api_gateway_cloudwatch.json
}
