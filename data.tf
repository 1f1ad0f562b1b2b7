# Data sources, and the names and paths every other file derives from them.

# Skipped for offline plans (var.offline_account_id): the only data source here that calls AWS.
data "aws_caller_identity" "current" {
  count = var.offline_account_id == null ? 1 : 0
}

data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = var.offline_account_id != null ? var.offline_account_id : data.aws_caller_identity.current[0].account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # payment-webhooks-<env>: the REST API name, and the prefix of per-environment names.
  name = "${var.project_name}-${var.environment}"

  # "-<name_suffix>" or "": append it to every new account- or region-wide name that does not contain local.name or
  # var.environment (docs/terraform.md, "Several environments in one account"). tests/tooling checks every plan.
  name_suffix = var.name_suffix == "" ? "" : "-${var.name_suffix}"

  # Creates the region-wide API Gateway logging setting in prod only unless told otherwise.
  create_api_gateway_account_settings = var.create_api_gateway_account_settings == null ? var.environment == "prod" : var.create_api_gateway_account_settings

  artifacts_dir = coalesce(var.artifacts_dir, "${path.module}/build")
  layer_zip     = "${local.artifacts_dir}/layers/webhook-processor-dependencies.zip"

  # Function names are the request's; the zip is build/functions/<lambda dir>.zip (docs/design.md).
  validator_function_names = { for p, _ in var.webhook_providers : p => "${p}-webhook-validator${local.name_suffix}" }
  function_names = {
    processor  = "webhook-processor${local.name_suffix}"
    query      = "transaction-query${local.name_suffix}"
    authorizer = "webhook-api-authorizer${local.name_suffix}"
  }

  # Log group ARNs built from names (not from the module outputs) so the IAM policies can exist before the functions:
  # Lambda checks the DLQ permission when the processor is created.
  log_group_arn_prefix = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda"

  # Every function gets these (Powertools reads them).
  common_function_environment = {
    ENVIRONMENT                  = var.environment
    POWERTOOLS_METRICS_NAMESPACE = "PaymentWebhooks"
    POWERTOOLS_LOG_LEVEL         = var.lambda_log_level
  }

  # The URL Square signs, byte for byte (decision 10). Computed from the API id unless a custom domain is set.
  square_notification_url = coalesce(
    var.square_notification_url,
    "https://${module.api_gateway.rest_api_id}.execute-api.${local.region}.amazonaws.com/${var.environment}/api/v1/webhooks/square",
  )

  # Full request/response logging only outside prod unless explicitly overridden (decision 13).
  api_data_trace_enabled = var.api_data_trace_enabled == null ? var.environment != "prod" : var.api_data_trace_enabled
}
