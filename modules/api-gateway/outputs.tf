output "rest_api_id" {
  description = "ID of the REST API."
  value       = try(aws_api_gateway_rest_api.this[0].id, null)
}

output "rest_api_name" {
  description = "Name of the REST API (the ApiName metric dimension)."
  value       = try(aws_api_gateway_rest_api.this[0].name, null)
}

output "api_key_source" {
  description = "API key source (AUTHORIZER)."
  value       = try(aws_api_gateway_rest_api.this[0].api_key_source, null)
}

output "execution_arn" {
  description = "Execution ARN prefix of the API (for Lambda permissions and IAM)."
  value       = try(aws_api_gateway_rest_api.this[0].execution_arn, null)
}

output "stage_name" {
  description = "Name of the stage."
  value       = try(aws_api_gateway_stage.this[0].stage_name, null)
}

output "stage_arn" {
  description = "ARN of the stage."
  value       = try(aws_api_gateway_stage.this[0].arn, null)
}

output "stage_xray_tracing_enabled" {
  description = "Whether X-Ray tracing is on for the stage."
  value       = try(aws_api_gateway_stage.this[0].xray_tracing_enabled, null)
}

output "stage_variables" {
  description = "Stage variables of the stage."
  value       = try(aws_api_gateway_stage.this[0].variables, null)
}

output "invoke_url" {
  description = "Invoke URL of the stage (https://<id>.execute-api.<region>.amazonaws.com/<stage>)."
  value       = try(aws_api_gateway_stage.this[0].invoke_url, null)
}

output "webhook_urls" {
  description = "Webhook URL per provider, to register with the provider."
  value       = { for k, _ in var.webhook_routes : k => "${aws_api_gateway_stage.this[0].invoke_url}/api/v1/webhooks/${k}" if var.create }
}

output "transactions_url" {
  description = "URL of the transaction query API."
  value       = try("${aws_api_gateway_stage.this[0].invoke_url}/api/v1/transactions", null)
}

output "webhook_methods" {
  description = "POST webhook methods by provider: authorization, authorizer_id, api_key_required, request_validator_id and request_models."
  value = {
    for k, m in aws_api_gateway_method.webhook : k => {
      http_method          = m.http_method
      authorization        = m.authorization
      authorizer_id        = m.authorizer_id
      api_key_required     = m.api_key_required
      request_validator_id = m.request_validator_id
      request_models       = m.request_models
    }
  }
}

output "query_methods" {
  description = "GET query methods (list, get): authorization, api_key_required, authorizer_id."
  value = {
    for k, m in aws_api_gateway_method.query : k => {
      http_method      = m.http_method
      authorization    = m.authorization
      authorizer_id    = m.authorizer_id
      api_key_required = m.api_key_required
    }
  }
}

output "body_validator" {
  description = "The body request validator: id, validate_request_body."
  value = one([
    for v in aws_api_gateway_request_validator.body : { id = v.id, validate_request_body = v.validate_request_body }
  ])
}

output "models" {
  description = "Request model per provider: name, content_type and schema."
  value       = { for k, m in aws_api_gateway_model.webhook : k => { name = m.name, content_type = m.content_type, schema = m.schema } }
}

output "authorizers" {
  description = "The request authorizers by name: id, identity_source, ttl."
  value = {
    for a in concat(aws_api_gateway_authorizer.webhook_route, aws_api_gateway_authorizer.query_caller) : a.name => {
      id              = a.id
      type            = a.type
      identity_source = a.identity_source
      ttl             = a.authorizer_result_ttl_in_seconds
    }
  }
}

output "method_settings" {
  description = "Method settings by method path (*/*, each webhook POST, and in AWS_IAM mode each query GET)."
  value = {
    for s in concat(aws_api_gateway_method_settings.all, values(aws_api_gateway_method_settings.webhook), values(aws_api_gateway_method_settings.query)) : s.method_path => one(s.settings)
  }
}

output "lambda_permission_source_arns" {
  description = "Source ARNs of the Lambda invoke permissions, by route."
  value = merge(
    { for k, p in aws_lambda_permission.webhook : "webhook-${k}" => p.source_arn },
    { for k, p in aws_lambda_permission.query : (k == "list" ? "list_transactions" : "get_transaction") => p.source_arn },
    { for k, p in aws_lambda_permission.authorizer : "authorizer-${k}" => p.source_arn },
  )
}

output "lambda_permission_statement_ids" {
  description = "Statement ids of the Lambda invoke permissions, by route (each ends with the API id)."
  value = merge(
    { for k, p in aws_lambda_permission.webhook : "webhook-${k}" => p.statement_id },
    { for k, p in aws_lambda_permission.query : "query-${k}" => p.statement_id },
    { for k, p in aws_lambda_permission.authorizer : "authorizer-${k}" => p.statement_id },
  )
}

output "usage_plan_names" {
  description = "Usage plan names: one per provider, plus internal-query in API_KEY mode, each prefixed with the API name."
  value       = merge({ for k, p in aws_api_gateway_usage_plan.webhook : k => p.name }, { for p in aws_api_gateway_usage_plan.query : "internal-query" => p.name })
}

output "usage_plan_ids" {
  description = "Usage plan IDs: one per provider, plus internal-query in API_KEY mode."
  value       = merge({ for k, p in aws_api_gateway_usage_plan.webhook : k => p.id }, { for p in aws_api_gateway_usage_plan.query : "internal-query" => p.id })
}

output "usage_plan_throttles" {
  description = "Usage plan throttles (rate_limit, burst_limit) by plan key."
  value = merge(
    { for k, p in aws_api_gateway_usage_plan.webhook : k => one(p.throttle_settings) },
    { for p in aws_api_gateway_usage_plan.query : "internal-query" => one(p.throttle_settings) },
  )
}

output "webhook_api_key_ids" {
  description = "API key IDs (never values) per provider; the authorizer looks the values up by ID."
  value       = { for k, key in aws_api_gateway_api_key.webhook : k => key.id }
}

output "query_api_key_id" {
  description = "ID (not value) of the internal-query API key; null in AWS_IAM mode, which has none."
  value       = try(aws_api_gateway_api_key.query[0].id, null)
}

output "deployment_id" {
  description = "ID of the current deployment."
  value       = try(aws_api_gateway_deployment.this[0].id, null)
}

output "query_authorization" {
  description = "How query callers authenticate: AWS_IAM (SigV4) or API_KEY."
  value       = var.query_authorization
}

output "query_invoke_arns" {
  description = "execute-api ARNs of the two GET query routes of this stage (what the consumer policy allows)."
  value       = try(local.query_invoke_arns, null)
}

output "query_invoke_policy_json" {
  description = "AWS_IAM mode: least-privilege IAM policy (execute-api:Invoke on the two GET query routes of this stage) for consumers to attach; null in API_KEY mode."
  value       = try(data.aws_iam_policy_document.query_invoke[0].json, null)
}

output "resource_policy_json" {
  description = "The REST API's resource policy limiting the query routes to var.query_allowed_principals; null when there is none."
  value       = try(local.resource_policy_json, null)
}
