# The request authorizer behind both API Gateway authorizers (decision 12). Webhook routes: maps the route to the
# provider's API key (the usage identifier), looked up by id at cold start. Query routes: hands back the caller's
# own x-api-key, and only if it is the internal-query key (API_KEY mode; none exists in AWS_IAM mode, so every
# query request is refused). It receives key ids only; values never appear in configuration or environment variables.
module "authorizer" {
  source = "./modules/lambda-function"

  function_name = local.function_names.authorizer
  description   = "Supplies the usage-plan API key for webhook and query routes (API key source AUTHORIZER)."
  role_arn      = aws_iam_role.authorizer.arn
  runtime       = var.lambda_runtime
  memory_size   = var.authorizer_memory_size
  timeout       = var.authorizer_timeout
  filename      = "${local.artifacts_dir}/functions/authorizer.zip"
  layers        = [module.dependencies_layer.arn]

  log_retention_in_days = var.log_retention_days.authorizer

  environment_variables = merge(
    local.common_function_environment,
    {
      PROVIDER_API_KEY_IDS    = jsonencode(module.api_gateway.webhook_api_key_ids)
      QUERY_API_KEY_IDS       = jsonencode(compact([module.api_gateway.query_api_key_id]))
      POWERTOOLS_SERVICE_NAME = local.function_names.authorizer
    },
  )

  depends_on = [aws_iam_role_policy.authorizer]
}
