# The REST API payment-webhooks-<env> with a stage named after the environment (decision 1). Everything that shapes
# the API lives in modules/api-gateway; this file wires the functions, schemas and stage variables into it, and owns
# the region-wide API Gateway account setting.

module "api_gateway" {
  source = "./modules/api-gateway"

  name        = local.name
  description = "Payment provider webhooks and the transaction query API (${var.environment})."
  stage_name  = var.environment

  webhook_routes = {
    for p, cfg in var.webhook_providers : p => {
      function_name          = module.validators[p].function_name
      invoke_arn             = module.validators[p].invoke_arn
      model_schema           = file("${path.module}/schemas/${p}-webhook.json")
      model_content_type     = cfg.model_content_type
      throttling_rate_limit  = cfg.throttling_rate_limit
      throttling_burst_limit = cfg.throttling_burst_limit
      quota_limit            = cfg.quota_limit
      quota_period           = cfg.quota_period
      enabled                = cfg.enabled
    }
  }

  query_function = {
    function_name = module.query.function_name
    invoke_arn    = module.query.invoke_arn
  }

  authorizer = {
    function_name = module.authorizer.function_name
    invoke_arn    = module.authorizer.invoke_arn
  }
  authorizer_result_ttl_in_seconds = var.authorizer_cache_ttl_seconds

  # Handlers read these first and fall back to their environment variables (docs/design.md).
  stage_variables = {
    dynamodb_table          = module.transactions_table.table_name
    s3_bucket               = module.raw_payloads_bucket.bucket_id
    s3_processed_bucket     = module.transaction_logs_bucket.bucket_id
    square_notification_url = local.square_notification_url
    environment             = var.environment
  }

  xray_tracing_enabled         = true
  access_log_destination_arn   = aws_cloudwatch_log_group.api_access.arn
  logging_level                = var.api_logging_level
  metrics_enabled              = true
  data_trace_enabled           = local.api_data_trace_enabled
  throttling_rate_limit        = var.api_throttling_rate_limit
  throttling_burst_limit       = var.api_throttling_burst_limit
  query_throttling_rate_limit  = var.query_throttling_rate_limit
  query_throttling_burst_limit = var.query_throttling_burst_limit
  query_authorization          = var.query_api_authorization
  query_allowed_principals     = var.query_api_allowed_principals
  web_acl_arn                  = var.web_acl_arn

  # Stage logging needs the account's CloudWatch role in place first.
  depends_on = [aws_api_gateway_account.this]
}

# One per account and region: it tells API Gateway which role writes logs for every API, and the last writer wins.
# So only one stack per account and region owns it: prod by default (create_api_gateway_account_settings). On destroy
# it is cleared rather than left pointing at the deleted role (provider 6 always does this).
resource "aws_api_gateway_account" "this" {
  count = local.create_api_gateway_account_settings ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.api_gateway_cloudwatch[0].arn
  reset_on_delete     = var.api_gateway_account_reset_on_delete

  depends_on = [aws_iam_role_policy.api_gateway_cloudwatch]
}
