# The query API's two authentication modes (decision 12, amended; docs/api.md), applied on modules/api-gateway against
# a mock AWS provider. The same file runs on OpenTofu and on Terraform (1.7+): `command = apply` because only
# OpenTofu fills computed ids at plan (Terraform needs `override_during`, 1.11+, which OpenTofu rejects), and the
# policies are checked on the statements our code gives data.aws_iam_policy_document (sid, effect, actions,
# resources, principals, conditions), which both engines know; rendering them to JSON is the provider's job. Each
# policy document's mocked JSON is distinct, so that the outputs and the REST API policy are proven wired to the right
# document.

# Only the policy documents need realistic values (the REST API policy must be JSON), so no mock data is shared with
# the other files (OpenTofu 1.10 has no `source` for mock_provider; docs/contributing.md).
mock_provider "aws" {}

override_data {
  target = data.aws_iam_policy_document.query_invoke
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"QueryInvokeMock\",\"Effect\":\"Allow\",\"Action\":\"none:None\",\"Resource\":\"*\"}]}" }
}

override_data {
  target = data.aws_iam_policy_document.resource_policy
  values = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ResourcePolicyMock\",\"Effect\":\"Deny\",\"Action\":\"none:None\",\"Resource\":\"*\"}]}" }
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
  command = apply

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

  # jsondecode(jsonencode(...)) turns the statement blocks (sets included, sorted) into plain tuples and objects, so
  # that they compare with a literal on both engines.
  assert {
    condition = jsondecode(jsonencode(data.aws_iam_policy_document.query_invoke[0].statement)) == [{
      sid         = "InvokeTransactionQueries"
      effect      = "Allow"
      actions     = ["execute-api:Invoke"]
      not_actions = null
      resources = [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*",
      ]
      not_resources  = null
      principals     = []
      not_principals = []
      condition      = []
    }] && output.query_invoke_policy_json == data.aws_iam_policy_document.query_invoke[0].json
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
  command = apply

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["arn:aws:iam::123456789012:role/reporting"]
  }

  assert {
    condition = {
      for st in jsondecode(jsonencode(data.aws_iam_policy_document.resource_policy[0].statement)) :
      st.sid => [st.effect, st.actions, st.principals, st.resources, st.condition, st.not_actions, st.not_resources, st.not_principals]
      } == {
      ProvidersPostWebhooks = ["Allow", ["execute-api:Invoke"], [{ type = "*", identifiers = ["*"] }], [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/POST/api/v1/webhooks/square",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/POST/api/v1/webhooks/stripe",
      ], [], null, null, []]
      ListedPrincipalsQuery = ["Allow", ["execute-api:Invoke"], [{ type = "AWS", identifiers = ["arn:aws:iam::123456789012:role/reporting"] }], [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*",
      ], [], null, null, []]
      NobodyElseQueries = ["Deny", ["execute-api:Invoke"], [{ type = "*", identifiers = ["*"] }], [
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions",
        "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*",
      ], [{ test = "ArnNotLike", variable = "aws:PrincipalArn", values = ["arn:aws:iam::123456789012:role/reporting"] }], null, null, []]
    } && length(data.aws_iam_policy_document.resource_policy[0].statement) == 3
    error_message = "The resource policy keeps the webhooks open and limits the query routes to the listed principals."
  }

  assert {
    condition = (
      length(aws_api_gateway_rest_api_policy.this) == 1 &&
      aws_api_gateway_rest_api_policy.this[0].policy == data.aws_iam_policy_document.resource_policy[0].json &&
      output.resource_policy_json == data.aws_iam_policy_document.resource_policy[0].json
    )
    error_message = "Listed principals create the REST API policy from the resource policy document."
  }
}

# An account root in Principal stands for the whole account, but aws:PrincipalArn is never the root for a role's call:
# listed accounts are matched on aws:PrincipalAccount, ANDed with the listed role and user ARNs.
run "listed_accounts_are_matched_by_account_not_by_root_arn" {
  command = apply

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["arn:aws:iam::123456789012:role/reporting", "arn:aws:iam::210987654321:root"]
  }

  assert {
    condition = [for st in jsondecode(jsonencode(data.aws_iam_policy_document.resource_policy[0].statement)) : st.condition if st.sid == "NobodyElseQueries"][0] == [
      { test = "ArnNotLike", variable = "aws:PrincipalArn", values = ["arn:aws:iam::123456789012:role/reporting"] },
      { test = "StringNotEquals", variable = "aws:PrincipalAccount", values = ["210987654321"] },
    ]
    error_message = "Deny unless the caller is a listed role/user or in a listed account."
  }

  assert {
    condition = [for st in jsondecode(jsonencode(data.aws_iam_policy_document.resource_policy[0].statement)) : st.principals if st.sid == "ListedPrincipalsQuery"][0] == [{
      type = "AWS", identifiers = ["arn:aws:iam::123456789012:role/reporting", "arn:aws:iam::210987654321:root"]
    }]
    error_message = "Every listed principal is allowed on the query routes."
  }
}

run "only_accounts_listed" {
  command = apply

  module {
    source = "./modules/api-gateway"
  }

  variables {
    query_allowed_principals = ["arn:aws:iam::210987654321:root"]
  }

  assert {
    condition = [for st in jsondecode(jsonencode(data.aws_iam_policy_document.resource_policy[0].statement)) : st.condition if st.sid == "NobodyElseQueries"][0] == [
      { test = "StringNotEquals", variable = "aws:PrincipalAccount", values = ["210987654321"] },
    ]
    error_message = "With accounts only, the deny matches on the account alone."
  }
}

run "api_key_mode_keeps_the_query_caller_authorizer" {
  command = apply

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
