# The transaction query function behind GET /api/v1/transactions[/{id}]: read-only on the table and its GSIs.
module "query" {
  source = "./modules/lambda-function"

  function_name = local.function_names.query
  description   = "Reads transactions by id, by provider and time range, or by customer."
  role_arn      = aws_iam_role.query.arn
  runtime       = var.lambda_runtime
  memory_size   = var.query_memory_size
  timeout       = var.query_timeout
  filename      = "${local.artifacts_dir}/functions/query.zip"
  layers        = [module.dependencies_layer.arn]

  log_retention_in_days = var.log_retention_days.query

  environment_variables = merge(
    local.common_function_environment,
    {
      DYNAMODB_TABLE          = module.transactions_table.table_name
      POWERTOOLS_SERVICE_NAME = local.function_names.query
      PROVIDER_SHARDS         = tostring(var.provider_shards)
    },
  )

  depends_on = [aws_iam_role_policy.query]
}
