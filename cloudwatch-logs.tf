# Log groups not owned by a function module (the Lambda ones are created with their functions, before them), and the
# metric filters the request asks for. Filters read the handlers' JSON log lines (Powertools: "level", "message",
# plus the stable keys "provider", "outcome", "duration_ms").

locals {
  # Every function log group, keyed by a stable short name.
  function_log_groups = merge(
    { for p, _ in var.webhook_providers : "${p}-validator" => module.validators[p].log_group_name },
    {
      processor  = module.processor.log_group_name
      query      = module.query.log_group_name
      authorizer = module.authorizer.log_group_name
    },
  )

  # Where errors carry a provider: the validators and the processor.
  provider_log_groups = merge(
    { for p, _ in var.webhook_providers : "${p}-validator" => module.validators[p].log_group_name },
    { processor = module.processor.log_group_name },
  )
}

resource "aws_cloudwatch_log_group" "api_access" {
  #checkov:skip=CKV_AWS_158:Encrypted with the CloudWatch Logs service key (decision 17); access logs hold request metadata only, never bodies or API key values.
  #checkov:skip=CKV_AWS_338:The request sets 14 days for API Gateway logs; the durable record of each webhook is the S3 payload.
  name              = "/aws/apigateway/${local.name}/access"
  retention_in_days = var.log_retention_days.api_gateway
}

# API Gateway creates this group itself on first use, with no retention; owning it caps how long execution logs (and,
# outside prod, data-trace bodies) are kept.
resource "aws_cloudwatch_log_group" "api_execution" {
  #checkov:skip=CKV_AWS_158:Encrypted with the CloudWatch Logs service key (decision 17); data tracing, which would put bodies here, is off in prod (decision 13).
  #checkov:skip=CKV_AWS_338:The request sets 14 days for API Gateway logs; execution logs are for debugging, not for the record.
  name              = "API-Gateway-Execution-Logs_${module.api_gateway.rest_api_id}/${var.environment}"
  retention_in_days = var.log_retention_days.api_gateway
}

# "Count ERROR lines": Powertools' "level":"ERROR" and the runtime's "[ERROR]" both contain the term ERROR.
resource "aws_cloudwatch_log_metric_filter" "error_lines" {
  for_each = local.function_log_groups

  name           = "error-lines"
  log_group_name = each.value
  pattern        = "ERROR"

  metric_transformation {
    name          = "ErrorLogLines-${each.key}"
    namespace     = var.metric_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# "Count Invalid signature": the validators log this literal on every 401 (webhook_core.validator).
resource "aws_cloudwatch_log_metric_filter" "invalid_signature" {
  for_each = var.webhook_providers

  name           = "invalid-signature"
  log_group_name = module.validators[each.key].log_group_name
  pattern        = "\"Invalid signature\""

  metric_transformation {
    name          = "InvalidSignatures-${each.key}"
    namespace     = var.metric_namespace
    value         = "1"
    default_value = "0"
    unit          = "Count"
  }
}

# "Processing duration": the processor logs duration_ms (milliseconds, measured in code) on every outcome line, which
# is more precise than differencing log timestamps.
resource "aws_cloudwatch_log_metric_filter" "processing_duration" {
  name           = "processing-duration"
  log_group_name = module.processor.log_group_name
  pattern        = "{ $.duration_ms >= 0 }"

  metric_transformation {
    name      = "ProcessingDuration"
    namespace = var.metric_namespace
    value     = "$.duration_ms"
    unit      = "Milliseconds"
  }
}

# "Errors by provider": one metric, a Provider dimension taken from the log line.
resource "aws_cloudwatch_log_metric_filter" "errors_by_provider" {
  for_each = local.provider_log_groups

  name           = "errors-by-provider"
  log_group_name = each.value
  pattern        = "{ ($.level = \"ERROR\") && ($.provider = \"*\") }"

  metric_transformation {
    name       = "ErrorsByProvider"
    namespace  = var.metric_namespace
    value      = "1"
    unit       = "Count"
    dimensions = { Provider = "$.provider" }
  }
}
