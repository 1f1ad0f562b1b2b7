# The payment webhook REST API: POST /api/v1/webhooks/<provider> (one per entry of var.webhook_routes) with a
# draft-04 body model, GET /api/v1/transactions[/{id}] for internal callers, two cached REQUEST authorizers, Lambda
# proxy integrations, per-provider usage plans and API keys (key source AUTHORIZER, decision 12), a deployment that
# follows every change, and one stage with access logs, X-Ray and method settings. The query routes are signed with
# SigV4 (AWS_IAM, the default) or, with var.query_authorization = "API_KEY", opened by the internal-query key.

locals {
  webhook_path       = "/api/v1/webhooks"
  transactions_path  = "/api/v1/transactions"
  webhook_model_name = { for k, _ in var.webhook_routes : k => "${title(k)}Webhook" }
  execution_arn      = try(aws_api_gateway_rest_api.this[0].execution_arn, null)

  # Statement ids carry the API id: a function's policy then never holds two statements of one id when the API is
  # replaced (create_before_destroy) or when two APIs invoke the same function.
  statement_id_suffix = try(aws_api_gateway_rest_api.this[0].id, null)

  # The query-caller authorizer exists in API_KEY mode only.
  authorizer_ids = merge(
    { webhook_route = try(aws_api_gateway_authorizer.webhook_route[0].id, null) },
    { for a in aws_api_gateway_authorizer.query_caller : "query_caller" => a.id },
  )

  # Documented, optional: the handler accepts provider+start+end or customer_id.
  list_transactions_parameters = {
    "method.request.querystring.provider"    = false
    "method.request.querystring.customer_id" = false
    "method.request.querystring.start"       = false
    "method.request.querystring.end"         = false
    "method.request.querystring.limit"       = false
    "method.request.querystring.next_token"  = false
  }
  get_transaction_parameters = {
    "method.request.path.id" = true
  }

  # API keys are for metering, not authentication: by default callers sign with SigV4 (decision 12, amended).
  query_iam     = var.query_authorization == "AWS_IAM"
  query_api_key = var.query_authorization == "API_KEY"

  # The two GET routes of the query API; both go to the query function (SigV4, or the query-caller authorizer).
  query_routes = {
    list = {
      resource_id        = try(aws_api_gateway_resource.transactions[0].id, null)
      request_parameters = local.list_transactions_parameters
      statement_id       = "AllowApiGatewayListTransactions"
      path               = local.transactions_path
    }
    get = {
      resource_id        = try(aws_api_gateway_resource.transaction[0].id, null)
      request_parameters = local.get_transaction_parameters
      statement_id       = "AllowApiGatewayGetTransaction"
      # Path parameters appear as * in the execute-api ARN.
      path = "${local.transactions_path}/*"
    }
  }
}

resource "aws_api_gateway_rest_api" "this" {
  count = var.create ? 1 : 0

  name        = var.name
  description = var.description

  # Providers cannot send x-api-key, so the authorizer supplies the usage identifier key (decision 12).
  api_key_source = "AUTHORIZER"

  endpoint_configuration {
    types = [var.endpoint_type]
  }

  tags = var.tags

  # If the API must ever be replaced, build the new one before deleting the old (a new id means new webhook URLs).
  lifecycle {
    create_before_destroy = true
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Resources: /api/v1/webhooks/<provider>, /api/v1/transactions, /api/v1/transactions/{id}
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_api_gateway_resource" "api" {
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_rest_api.this[0].root_resource_id
  path_part   = "api"
}

resource "aws_api_gateway_resource" "v1" {
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_resource.api[0].id
  path_part   = "v1"
}

resource "aws_api_gateway_resource" "webhooks" {
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_resource.v1[0].id
  path_part   = "webhooks"
}

# A literal resource per provider (not a {provider} parameter): each gets its own model, authorizer cache entry,
# throttle and Lambda permission.
resource "aws_api_gateway_resource" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_resource.webhooks[0].id
  path_part   = each.key
}

resource "aws_api_gateway_resource" "transactions" {
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_resource.v1[0].id
  path_part   = "transactions"
}

resource "aws_api_gateway_resource" "transaction" {
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  parent_id   = aws_api_gateway_resource.transactions[0].id
  path_part   = "{id}"
}

# ---------------------------------------------------------------------------------------------------------------------
# Models, validators, authorizers, gateway responses
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_api_gateway_model" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  rest_api_id  = aws_api_gateway_rest_api.this[0].id
  name         = local.webhook_model_name[each.key]
  description  = "Draft-04 schema of a ${each.key} webhook body; a mismatch is a 400 before any Lambda runs."
  content_type = each.value.model_content_type
  schema       = each.value.model_schema
}

resource "aws_api_gateway_request_validator" "body" {
  count = var.create ? 1 : 0

  rest_api_id                 = aws_api_gateway_rest_api.this[0].id
  name                        = "body"
  validate_request_body       = true
  validate_request_parameters = false
}

resource "aws_api_gateway_request_validator" "parameters" {
  count = var.create ? 1 : 0

  rest_api_id                 = aws_api_gateway_rest_api.this[0].id
  name                        = "parameters"
  validate_request_body       = false
  validate_request_parameters = true
}

# Webhook routes: the cache key is the route, so one authorizer call per provider per TTL maps the route to that
# provider's API key (the usage identifier), which meters and throttles the provider's usage plan.
resource "aws_api_gateway_authorizer" "webhook_route" {
  count = var.create ? 1 : 0

  rest_api_id                      = aws_api_gateway_rest_api.this[0].id
  name                             = "webhook-route"
  type                             = "REQUEST"
  authorizer_uri                   = var.authorizer.invoke_arn
  identity_source                  = "context.resourcePath"
  authorizer_result_ttl_in_seconds = var.authorizer_result_ttl_in_seconds
}

# Query routes in API_KEY mode: the key source is API-wide, so the authorizer hands back the caller's own x-api-key
# (only an internal-query key: a provider's key never opens the query API); caching on that header keeps one decision
# per caller.
resource "aws_api_gateway_authorizer" "query_caller" {
  count = var.create && local.query_api_key ? 1 : 0

  rest_api_id                      = aws_api_gateway_rest_api.this[0].id
  name                             = "query-caller"
  type                             = "REQUEST"
  authorizer_uri                   = var.authorizer.invoke_arn
  identity_source                  = "method.request.header.x-api-key"
  authorizer_result_ttl_in_seconds = var.authorizer_result_ttl_in_seconds
}

# A JSON body for schema rejections. messageString is the message already quoted for JSON; the validation detail
# ($context.error.validationErrorString) is left out because it is not JSON-escaped and names schema internals to an
# unauthenticated sender. It is in the execution log (and the access log's validationError field) for operators.
resource "aws_api_gateway_gateway_response" "bad_request_body" {
  count = var.create ? 1 : 0

  rest_api_id   = aws_api_gateway_rest_api.this[0].id
  response_type = "BAD_REQUEST_BODY"
  status_code   = "400"

  response_templates = {
    "application/json" = "{\"message\": $context.error.messageString}"
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Methods and integrations
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_api_gateway_method" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  rest_api_id   = aws_api_gateway_rest_api.this[0].id
  resource_id   = aws_api_gateway_resource.webhook[each.key].id
  http_method   = "POST"
  authorization = "CUSTOM"
  authorizer_id = aws_api_gateway_authorizer.webhook_route[0].id

  # Required for the usage plan to meter and throttle this route; the key comes from the authorizer.
  api_key_required = true

  request_validator_id = aws_api_gateway_request_validator.body[0].id
  # API Gateway validates a body only against the model mapped to its Content-Type; "$default" matches every type.
  request_models = {
    (each.value.model_content_type) = aws_api_gateway_model.webhook[each.key].name
  }
}

resource "aws_api_gateway_integration" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  rest_api_id             = aws_api_gateway_rest_api.this[0].id
  resource_id             = aws_api_gateway_resource.webhook[each.key].id
  http_method             = aws_api_gateway_method.webhook[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = each.value.invoke_arn
}

resource "aws_api_gateway_method" "query" {
  for_each = { for k, v in local.query_routes : k => v if var.create }

  rest_api_id          = aws_api_gateway_rest_api.this[0].id
  resource_id          = each.value.resource_id
  http_method          = "GET"
  authorization        = local.query_iam ? "AWS_IAM" : "CUSTOM"
  authorizer_id        = local.query_iam ? null : aws_api_gateway_authorizer.query_caller[0].id
  api_key_required     = local.query_api_key
  request_validator_id = aws_api_gateway_request_validator.parameters[0].id

  request_parameters = each.value.request_parameters

  lifecycle {
    precondition {
      condition     = local.query_iam || length(var.query_allowed_principals) == 0
      error_message = "query_allowed_principals needs query_authorization = \"AWS_IAM\" (an API key is not a principal)."
    }
  }
}

resource "aws_api_gateway_integration" "query" {
  for_each = { for k, v in local.query_routes : k => v if var.create }

  rest_api_id             = aws_api_gateway_rest_api.this[0].id
  resource_id             = each.value.resource_id
  http_method             = aws_api_gateway_method.query[each.key].http_method
  type                    = "AWS_PROXY"
  integration_http_method = "POST"
  uri                     = var.query_function.invoke_arn
}

# ---------------------------------------------------------------------------------------------------------------------
# Lambda permissions, each scoped to this API, this stage, one method and one path
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_lambda_permission" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  statement_id  = "AllowApiGatewayPost-${local.statement_id_suffix}"
  action        = "lambda:InvokeFunction"
  function_name = each.value.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.execution_arn}/${var.stage_name}/POST${local.webhook_path}/${each.key}"
}

resource "aws_lambda_permission" "query" {
  for_each = { for k, v in local.query_routes : k => v if var.create }

  statement_id  = "${each.value.statement_id}-${local.statement_id_suffix}"
  action        = "lambda:InvokeFunction"
  function_name = var.query_function.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.execution_arn}/${var.stage_name}/GET${each.value.path}"
}

resource "aws_lambda_permission" "authorizer" {
  for_each = { for k, id in local.authorizer_ids : k => id if var.create }

  statement_id  = "AllowApiGatewayAuthorizer-${replace(each.key, "_", "-")}-${local.statement_id_suffix}"
  action        = "lambda:InvokeFunction"
  function_name = var.authorizer.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${local.execution_arn}/authorizers/${each.value}"
}

# ---------------------------------------------------------------------------------------------------------------------
# Deployment and stage
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_api_gateway_deployment" "this" {
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  description = "Managed by Terraform; replaced whenever the API definition changes."

  # A deployment is a snapshot: redeploy whenever anything that shapes the API changes. The hash is built from
  # configuration values and stable ids only (not whole resource objects), so values AWS normalizes on read cannot
  # make a second plan redeploy.
  triggers = {
    redeployment = sha1(jsonencode({
      api_key_source = aws_api_gateway_rest_api.this[0].api_key_source
      resources = [
        for r in concat(
          [aws_api_gateway_resource.api[0], aws_api_gateway_resource.v1[0], aws_api_gateway_resource.webhooks[0]],
          values(aws_api_gateway_resource.webhook),
          [aws_api_gateway_resource.transactions[0], aws_api_gateway_resource.transaction[0]],
        ) : [r.id, r.parent_id, r.path_part]
      ]
      models     = { for k, m in aws_api_gateway_model.webhook : k => [m.id, m.name, m.content_type, var.webhook_routes[k].model_schema] }
      validators = [for v in [aws_api_gateway_request_validator.body[0], aws_api_gateway_request_validator.parameters[0]] : [v.id, v.validate_request_body, v.validate_request_parameters]]
      authorizers = [
        for a in concat([aws_api_gateway_authorizer.webhook_route[0]], aws_api_gateway_authorizer.query_caller) :
        [a.id, a.authorizer_uri, a.identity_source, a.authorizer_result_ttl_in_seconds]
      ]
      # A resource policy takes effect only with the next deployment.
      resource_policy   = local.resource_policy_json
      gateway_responses = [aws_api_gateway_gateway_response.bad_request_body[0].response_templates]
      # Request models and parameters from configuration: AWS reads an unset map back as {}, which would change the hash.
      methods = [
        for m in concat(values(aws_api_gateway_method.webhook), values(aws_api_gateway_method.query)) :
        # An AWS_IAM method has no authorizer: its null reads back as "", which must not look like a change.
        [m.id, m.authorization, m.authorizer_id == null ? "" : m.authorizer_id, m.api_key_required, m.request_validator_id]
      ]
      request_models     = local.webhook_model_name
      request_parameters = { for k, r in local.query_routes : k => r.request_parameters }
      integrations = [
        for i in concat(values(aws_api_gateway_integration.webhook), values(aws_api_gateway_integration.query)) :
        [i.id, i.type, i.uri, i.integration_http_method]
      ]
    }))
  }

  # The stage always points at a live deployment: create the new one, move the stage, then delete the old one.
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_api_gateway_stage" "this" {
  #checkov:skip=CKV_AWS_120:No response cache: webhooks are POSTs that must each reach a validator, and transaction status changes between reads.
  #checkov:skip=CKV2_AWS_51:Client certificates authenticate API Gateway to HTTP backends; every integration here is a Lambda proxy invoked under IAM.
  #checkov:skip=CKV2_AWS_77:No web ACL is attached by default (see CKV2_AWS_29); whoever sets var.web_acl_arn owns its rules, including the Log4j managed rule group. No Java runs behind this API.
  #checkov:skip=CKV2_AWS_29:WAF is optional (var.web_acl_arn): webhook senders are already constrained by schema validation, signatures and per-provider throttles, and a web ACL costs per request at 10,000+/min.
  count = var.create ? 1 : 0

  rest_api_id          = aws_api_gateway_rest_api.this[0].id
  deployment_id        = aws_api_gateway_deployment.this[0].id
  stage_name           = var.stage_name
  description          = "Stage ${var.stage_name}: stage variables carry this environment's table, buckets and Square URL (decision 1)."
  xray_tracing_enabled = var.xray_tracing_enabled
  variables            = var.stage_variables

  access_log_settings {
    destination_arn = var.access_log_destination_arn
    format          = jsonencode(var.access_log_format)
  }

  tags = var.tags
}

resource "aws_wafv2_web_acl_association" "this" {
  count = var.create && var.web_acl_arn != null ? 1 : 0

  resource_arn = aws_api_gateway_stage.this[0].arn
  web_acl_arn  = var.web_acl_arn
}

resource "aws_api_gateway_method_settings" "all" {
  #checkov:skip=CKV_AWS_225:Caching is deliberately off (see the stage): cached webhook responses would drop events.
  count = var.create ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  stage_name  = aws_api_gateway_stage.this[0].stage_name
  method_path = "*/*"

  settings {
    metrics_enabled        = var.metrics_enabled
    logging_level          = var.logging_level
    data_trace_enabled     = var.data_trace_enabled
    throttling_rate_limit  = var.throttling_rate_limit
    throttling_burst_limit = var.throttling_burst_limit
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# Per-provider method throttles: one noisy provider cannot starve the others (also enforced by its usage plan).
resource "aws_api_gateway_method_settings" "webhook" {
  #checkov:skip=CKV_AWS_225:Caching is deliberately off (see the stage): cached webhook responses would drop events.
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  stage_name  = aws_api_gateway_stage.this[0].stage_name
  method_path = "${trimprefix(local.webhook_path, "/")}/${each.key}/POST"

  settings {
    metrics_enabled        = var.metrics_enabled
    logging_level          = var.logging_level
    data_trace_enabled     = var.data_trace_enabled
    throttling_rate_limit  = each.value.throttling_rate_limit
    throttling_burst_limit = each.value.throttling_burst_limit
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Usage plans and API keys: one per provider plus the internal query callers
# ---------------------------------------------------------------------------------------------------------------------

resource "aws_api_gateway_api_key" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  name        = "${var.name}-webhooks-${each.key}"
  description = "Usage identifier for ${each.key} webhooks, supplied by the authorizer (the provider never sees it). Disable to stop only ${each.key}."
  enabled     = each.value.enabled
  tags        = var.tags
}

resource "aws_api_gateway_usage_plan" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  name        = "${var.name}-webhooks-${each.key}"
  description = "Meters and throttles ${each.key} webhook traffic."

  api_stages {
    api_id = aws_api_gateway_rest_api.this[0].id
    stage  = aws_api_gateway_stage.this[0].stage_name
  }

  throttle_settings {
    rate_limit  = each.value.throttling_rate_limit
    burst_limit = each.value.throttling_burst_limit
  }

  dynamic "quota_settings" {
    for_each = each.value.quota_limit == null ? [] : [each.value]

    content {
      limit  = quota_settings.value.quota_limit
      period = quota_settings.value.quota_period
    }
  }

  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "webhook" {
  for_each = { for k, v in var.webhook_routes : k => v if var.create }

  key_id        = aws_api_gateway_api_key.webhook[each.key].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.webhook[each.key].id
}

resource "aws_api_gateway_api_key" "query" {
  count = var.create && local.query_api_key ? 1 : 0

  name        = "${var.name}-internal-query"
  description = "API key for internal callers of GET /api/v1/transactions. Read it with `aws apigateway get-api-key --include-value`."
  enabled     = true
  tags        = var.tags
}

resource "aws_api_gateway_usage_plan" "query" {
  count = var.create && local.query_api_key ? 1 : 0

  name        = "${var.name}-internal-query"
  description = "Internal transaction queries."

  api_stages {
    api_id = aws_api_gateway_rest_api.this[0].id
    stage  = aws_api_gateway_stage.this[0].stage_name
  }

  throttle_settings {
    rate_limit  = var.query_throttling_rate_limit
    burst_limit = var.query_throttling_burst_limit
  }

  tags = var.tags
}

resource "aws_api_gateway_usage_plan_key" "query" {
  count = var.create && local.query_api_key ? 1 : 0

  key_id        = aws_api_gateway_api_key.query[0].id
  key_type      = "API_KEY"
  usage_plan_id = aws_api_gateway_usage_plan.query[0].id
}

# ---------------------------------------------------------------------------------------------------------------------
# Query API under IAM (SigV4): throttles, the consumers' policy, and an optional resource policy
# ---------------------------------------------------------------------------------------------------------------------

locals {
  # execute-api ARNs of exactly the two GET routes of this stage ({id} appears as *).
  query_invoke_arns = [for k, r in local.query_routes : "${local.execution_arn}/${var.stage_name}/GET${r.path}" if var.create]
  # The webhook POST routes, which stay open to the providers when a resource policy exists.
  webhook_invoke_arns = [for k, _ in var.webhook_routes : "${local.execution_arn}/${var.stage_name}/POST${local.webhook_path}/${k}" if var.create]

  query_allowed_accounts = [for p in var.query_allowed_principals : regex(":iam::([0-9]{12}):root$", p)[0] if can(regex(":root$", p))]
  query_allowed_arns     = [for p in var.query_allowed_principals : p if !can(regex(":root$", p))]

  create_resource_policy = var.create && local.query_iam && length(var.query_allowed_principals) > 0
  resource_policy_json   = local.create_resource_policy ? data.aws_iam_policy_document.resource_policy[0].json : null
}

# Without a usage plan (IAM mode) the query routes get the internal-query throttle as method settings.
resource "aws_api_gateway_method_settings" "query" {
  #checkov:skip=CKV_AWS_225:Caching is deliberately off (see the stage): transaction status changes between reads.
  for_each = { for k, v in local.query_routes : k => v if var.create && local.query_iam }

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  stage_name  = aws_api_gateway_stage.this[0].stage_name
  method_path = "${trimprefix(replace(each.value.path, "*", "{id}"), "/")}/GET"

  settings {
    metrics_enabled        = var.metrics_enabled
    logging_level          = var.logging_level
    data_trace_enabled     = var.data_trace_enabled
    throttling_rate_limit  = var.query_throttling_rate_limit
    throttling_burst_limit = var.query_throttling_burst_limit
    caching_enabled        = false
    cache_data_encrypted   = true
  }
}

# For consumers to attach to their role: execute-api:Invoke on the two GET routes of this stage, nothing else.
data "aws_iam_policy_document" "query_invoke" {
  count = var.create && local.query_iam ? 1 : 0

  statement {
    sid       = "InvokeTransactionQueries"
    effect    = "Allow"
    actions   = ["execute-api:Invoke"]
    resources = local.query_invoke_arns
  }
}

# Optional: only the listed principals may call the query routes, whatever their own policies say. A resource policy
# applies to every route, so the webhook POSTs (authorized by the webhook-route authorizer) are allowed explicitly.
data "aws_iam_policy_document" "resource_policy" {
  count = local.create_resource_policy ? 1 : 0

  statement {
    sid       = "ProvidersPostWebhooks"
    effect    = "Allow"
    actions   = ["execute-api:Invoke"]
    resources = local.webhook_invoke_arns

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }

  statement {
    sid       = "ListedPrincipalsQuery"
    effect    = "Allow"
    actions   = ["execute-api:Invoke"]
    resources = local.query_invoke_arns

    principals {
      type        = "AWS"
      identifiers = var.query_allowed_principals
    }
  }

  statement {
    sid       = "NobodyElseQueries"
    effect    = "Deny"
    actions   = ["execute-api:Invoke"]
    resources = local.query_invoke_arns

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    # Conditions are ANDed: deny unless the caller is a listed role/user or belongs to a listed account. An account
    # root in Principal means the whole account, but aws:PrincipalArn is the caller's own role or user ARN, so
    # accounts are matched on aws:PrincipalAccount instead.
    dynamic "condition" {
      for_each = length(local.query_allowed_arns) > 0 ? [local.query_allowed_arns] : []

      content {
        test     = "ArnNotLike"
        variable = "aws:PrincipalArn"
        values   = condition.value
      }
    }

    dynamic "condition" {
      for_each = length(local.query_allowed_accounts) > 0 ? [local.query_allowed_accounts] : []

      content {
        test     = "StringNotEquals"
        variable = "aws:PrincipalAccount"
        values   = condition.value
      }
    }
  }
}

resource "aws_api_gateway_rest_api_policy" "this" {
  count = local.create_resource_policy ? 1 : 0

  rest_api_id = aws_api_gateway_rest_api.this[0].id
  policy      = data.aws_iam_policy_document.resource_policy[0].json
}
