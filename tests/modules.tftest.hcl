# Each module with create = false: nothing is planned and every output is null rather than an error (the
# terraform-aws-modules contract). Runs on OpenTofu and Terraform alike; plans only, since nothing is created.

mock_provider "aws" {}

run "lambda_function_create_false" {
  command = plan

  module {
    source = "./modules/lambda-function"
  }

  variables {
    create        = false
    function_name = "off"
    role_arn      = "arn:aws:iam::123456789012:role/off"
    filename      = "does-not-exist.zip"
  }

  assert {
    condition = (
      length(aws_lambda_function.this) == 0 && length(aws_cloudwatch_log_group.this) == 0 &&
      output.function_name == null && output.function_arn == null && output.log_group_name == null &&
      output.maximum_retry_attempts == null
    )
    error_message = "lambda-function: create = false plans nothing and its outputs are null."
  }
}

run "lambda_layer_create_false" {
  command = plan

  module {
    source = "./modules/lambda-layer"
  }

  variables {
    create     = false
    layer_name = "off"
    filename   = "does-not-exist.zip"
  }

  assert {
    condition     = length(aws_lambda_layer_version.this) == 0 && output.arn == null && output.layer_name == null
    error_message = "lambda-layer: create = false plans nothing and its outputs are null."
  }
}

run "s3_bucket_create_false" {
  command = plan

  module {
    source = "./modules/s3-bucket"
  }

  variables {
    create = false
    bucket = "off-bucket"
  }

  assert {
    condition     = length(aws_s3_bucket.this) == 0 && length(aws_s3_bucket_policy.this) == 0 && output.bucket_id == null && output.bucket_arn == null
    error_message = "s3-bucket: create = false plans nothing and its outputs are null."
  }
}

run "dynamodb_table_create_false" {
  command = plan

  module {
    source = "./modules/dynamodb-table"
  }

  variables {
    create       = false
    name         = "off"
    hash_key     = "id"
    attributes   = [{ name = "id", type = "S" }]
    billing_mode = "PROVISIONED"
  }

  assert {
    condition = (
      length(aws_dynamodb_table.this) == 0 && length(aws_dynamodb_table.autoscaled) == 0 &&
      length(aws_appautoscaling_target.this) == 0 && output.table_name == null && output.table_arn == null
    )
    error_message = "dynamodb-table: create = false plans nothing, autoscaling included, and its outputs are null."
  }
}

run "api_gateway_create_false" {
  command = plan

  module {
    source = "./modules/api-gateway"
  }

  variables {
    create     = false
    name       = "off"
    stage_name = "dev"
    webhook_routes = {
      stripe = {
        function_name          = "stripe-webhook-validator"
        invoke_arn             = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:stripe-webhook-validator/invocations"
        model_schema           = "{}"
        throttling_rate_limit  = 100
        throttling_burst_limit = 50
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
    access_log_destination_arn = "arn:aws:logs:us-east-1:123456789012:log-group:off"
  }

  assert {
    condition = (
      length(aws_api_gateway_rest_api.this) == 0 && length(aws_api_gateway_method.webhook) == 0 &&
      length(aws_lambda_permission.authorizer) == 0 && output.rest_api_id == null && output.stage_name == null && output.invoke_url == null
    )
    error_message = "api-gateway: create = false plans nothing and its outputs are null."
  }
}
