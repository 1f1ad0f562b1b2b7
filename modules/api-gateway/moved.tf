# `create` (terraform-aws-modules style) put these behind count: state moves to [0] without a replacement.

moved {
  from = aws_api_gateway_rest_api.this
  to   = aws_api_gateway_rest_api.this[0]
}

moved {
  from = aws_api_gateway_resource.api
  to   = aws_api_gateway_resource.api[0]
}

moved {
  from = aws_api_gateway_resource.v1
  to   = aws_api_gateway_resource.v1[0]
}

moved {
  from = aws_api_gateway_resource.webhooks
  to   = aws_api_gateway_resource.webhooks[0]
}

moved {
  from = aws_api_gateway_resource.transactions
  to   = aws_api_gateway_resource.transactions[0]
}

moved {
  from = aws_api_gateway_resource.transaction
  to   = aws_api_gateway_resource.transaction[0]
}

moved {
  from = aws_api_gateway_request_validator.body
  to   = aws_api_gateway_request_validator.body[0]
}

moved {
  from = aws_api_gateway_request_validator.parameters
  to   = aws_api_gateway_request_validator.parameters[0]
}

moved {
  from = aws_api_gateway_authorizer.webhook_route
  to   = aws_api_gateway_authorizer.webhook_route[0]
}

moved {
  from = aws_api_gateway_authorizer.query_caller
  to   = aws_api_gateway_authorizer.query_caller[0]
}

moved {
  from = aws_api_gateway_gateway_response.bad_request_body
  to   = aws_api_gateway_gateway_response.bad_request_body[0]
}

moved {
  from = aws_api_gateway_deployment.this
  to   = aws_api_gateway_deployment.this[0]
}

moved {
  from = aws_api_gateway_stage.this
  to   = aws_api_gateway_stage.this[0]
}

moved {
  from = aws_api_gateway_method_settings.all
  to   = aws_api_gateway_method_settings.all[0]
}

moved {
  from = aws_api_gateway_api_key.query
  to   = aws_api_gateway_api_key.query[0]
}

moved {
  from = aws_api_gateway_usage_plan.query
  to   = aws_api_gateway_usage_plan.query[0]
}

moved {
  from = aws_api_gateway_usage_plan_key.query
  to   = aws_api_gateway_usage_plan_key.query[0]
}
