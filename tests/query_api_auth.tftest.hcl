# The query API's two authentication modes (decision 12, amended; docs/api.md), planned on modules/api-gateway with
# the real AWS provider offline (fake credentials, no API call at plan time) so that the IAM policy documents are
# rendered for real. Only the REST API's and the stage's computed ids are overridden.

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_resource {
  target = aws_api_gateway_rest_api.this
  values = {
    id               = "abc123defg"
    root_resource_id = "rootid0000"
    execution_arn    = "arn:aws:execute-api:us-east-1:123456789012:abc123defg"
  }
}

override_resource {
  target = aws_api_gateway_stage.this
  values = {
    arn        = "arn:aws:apigateway:us-east-1::/restapis/abc123defg/stages/dev"
    invoke_url = "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"
  }
}

override_resource {
  target = aws_api_gateway_authorizer.webhook_route
  values = { id = "webhookauth" }
}

override_resource {
  target = aws_api_gateway_authorizer.query_caller
  values = { id = "queryauth" }
}

variables {
  name       = "payment-webhooks-dev"
  stage_name = "dev"
  webhook_routes = {
    stripe = {
      function_name          = "stripe-webhook-validator"
      invoke_arn             = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:stripe-webhook-validator/invocations"
      model_schema           = "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\"}"
      throttling_rate_limit  = 2000
      throttling_burst_limit = 1000
    }
    square = {
      function_name          = "square-webhook-validator"
      invoke_arn             = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:square-webhook-validator/invocations"
      model_schema           = "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\"}"
      throttling_rate_limit  = 1000
      throttling_burst_limit = 500
    }
  }
  query_function = {
    function_name = "transaction-query"
    invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:transaction-query/invocations"
  }
  authorizer = {
    function_name = "webhook-api-authorizer"
    invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:webhook-api-authorizer/invocations"
  }
  access_log_destination_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/payment-webhooks-dev"
}

run "iam_is_the_default" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  assert {
    condition = alltrue([
      for m in values(aws_api_gateway_method.query) : m.authorization == "AWS_IAM" && m.authorizer_id == null && !m.api_key_required
    ]) && length(aws_api_gateway_method.query) == 2
    error_message = "By default both GET query routes use AWS_IAM (SigV4), no authorizer and no API key."
  }

  assert {
    condition = (
      length(aws_api_gateway_authorizer.query_caller) == 0 &&
      length(aws_api_gateway_api_key.query) == 0 &&
      length(aws_api_gateway_usage_plan.query) == 0 &&
      output.query_api_key_id == null &&
      !contains(keys(aws_lambda_permission.authorizer), "query_caller")
    )
    error_message = "AWS_IAM mode has no query-caller authorizer, no internal-query key or usage plan."
  }

  assert {
    condition     = alltrue([for m in values(aws_api_gateway_method.webhook) : m.authorization == "CUSTOM" && m.api_key_required])
    error_message = "Webhook routes keep their authorizer-supplied usage keys."
  }

  assert {
    condition = jsondecode(output.query_invoke_policy_json) == {
      Version = "2012-10-17"
      Statement = [{
        Sid    = "InvokeTransactionQueries"
        Effect = "Allow"
        Action = "execute-api:Invoke"
        Resource = [
          "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*",
          "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions",
        ]
      }]
    }
    error_message = "The consumer policy allows execute-api:Invoke on exactly the two GET query routes of this stage."
  }

  # No usage plan meters the query routes any more, so their throttle moves to the stage's method settings.
  assert {
    condition = (
      output.method_settings["api/v1/transactions/GET"].throttling_rate_limit == 100 &&
      output.method_settings["api/v1/transactions/{id}/GET"].throttling_burst_limit == 50 &&
      !output.method_settings["api/v1/transactions/{id}/GET"].caching_enabled
    )
    error_message = "The internal-query throttle applies to both GET routes as method settings."
  }

  assert {
    condition     = length(aws_api_gateway_rest_api_policy.this) == 0 && output.resource_policy_json == null
    error_message = "No resource policy unless principals are listed."
  }
}

run "iam_with_listed_principals_gets_a_resource_policy" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["arn:aws:iam::123456789012:role/reporting"]
  }

  assert {
    condition = {
      for st in jsondecode(output.resource_policy_json).Statement : st.Sid => [st.Effect, try(st.Principal.AWS, st.Principal), st.Resource, try(st.Condition, null)]
      } == {
      ProvidersPostWebhooks = ["Allow", "*", [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/POST/api/v1/webhooks/stripe",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/POST/api/v1/webhooks/square",
      ], null]
      ListedPrincipalsQuery = ["Allow", "arn:aws:iam::123456789012:role/reporting", [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions",
      ], null]
      NobodyElseQueries = ["Deny", "*", [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions",
      ], { ArnNotLike = { "aws:PrincipalArn" = "arn:aws:iam::123456789012:role/reporting" } }]
    }
    error_message = "The resource policy keeps the webhooks open and limits the query routes to the listed principals."
  }

  assert {
    condition     = length(aws_api_gateway_rest_api_policy.this) == 1
    error_message = "Listed principals create the REST API policy."
  }
}

# An account root in Principal stands for the whole account, but aws:PrincipalArn is never the root for a role's call:
# listed accounts are matched on aws:PrincipalAccount, ANDed with the listed role and user ARNs.
run "listed_accounts_are_matched_by_account_not_by_root_arn" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["arn:aws:iam::123456789012:role/reporting", "arn:aws:iam::210987654321:root"]
  }

  assert {
    condition = [for st in jsondecode(output.resource_policy_json).Statement : st.Condition if st.Sid == "NobodyElseQueries"][0] == {
      ArnNotLike      = { "aws:PrincipalArn" = "arn:aws:iam::123456789012:role/reporting" }
      StringNotEquals = { "aws:PrincipalAccount" = "210987654321" }
    }
    error_message = "Deny unless the caller is a listed role/user or in a listed account."
  }

  assert {
    condition = toset([for st in jsondecode(output.resource_policy_json).Statement : st.Principal.AWS if st.Sid == "ListedPrincipalsQuery"][0]) == toset([
      "arn:aws:iam::123456789012:role/reporting", "arn:aws:iam::210987654321:root",
    ])
    error_message = "Every listed principal is allowed on the query routes."
  }
}

run "only_accounts_listed" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["arn:aws:iam::210987654321:root"]
  }

  assert {
    condition = [for st in jsondecode(output.resource_policy_json).Statement : st.Condition if st.Sid == "NobodyElseQueries"][0] == {
      StringNotEquals = { "aws:PrincipalAccount" = "210987654321" }
    }
    error_message = "With accounts only, the deny matches on the account alone."
  }
}

run "api_key_mode_keeps_the_query_caller_authorizer" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_authorization = "API_KEY"
  }

  assert {
    condition = alltrue([
      for m in values(aws_api_gateway_method.query) : m.authorization == "CUSTOM" && m.authorizer_id == "queryauth" && m.api_key_required
    ])
    error_message = "API_KEY mode: the query routes use the query-caller authorizer and require the key it hands back."
  }

  assert {
    condition = (
      aws_api_gateway_authorizer.query_caller[0].identity_source == "method.request.header.x-api-key" &&
      length(aws_api_gateway_api_key.query) == 1 && length(aws_api_gateway_usage_plan_key.query) == 1 &&
      output.query_invoke_policy_json == null && length(aws_api_gateway_method_settings.query) == 0
    )
    error_message = "API_KEY mode caches on x-api-key, keeps the internal-query key and plan, and has no consumer policy."
  }
}

run "rejects_unknown_query_authorization" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_authorization = "NONE"
  }

  expect_failures = [var.query_authorization]
}

run "rejects_principals_that_are_not_iam_arns" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["*"]
  }

  expect_failures = [var.query_allowed_principals]
}

run "rejects_principals_in_api_key_mode" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_authorization      = "API_KEY"
    query_allowed_principals = ["arn:aws:iam::123456789012:role/reporting"]
  }

  expect_failures = [aws_api_gateway_method.query]
}
