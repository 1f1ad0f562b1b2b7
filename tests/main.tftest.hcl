# Plans the root module against a mock AWS provider, and checks the request's mandatory requirements and numbers.
# No credentials, no network: `tofu test`.

mock_provider "aws" {
  # The provider still validates configuration, so computed ARNs and policy JSON need realistic shapes (every
  # instance of a type gets the same value).
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:root"
      user_id    = "AIDAEXAMPLE"
    }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }

  # Policy documents are rendered by the real provider only; the mock's random strings are not JSON.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock-role" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:123456789012:webhook-processing-dlq"
      id  = "https://sqs.us-east-1.amazonaws.com/123456789012/webhook-processing-dlq"
      url = "https://sqs.us-east-1.amazonaws.com/123456789012/webhook-processing-dlq"
    }
  }

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:payment-webhooks-alarms" }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
      key_id = "11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn           = "arn:aws:lambda:us-east-1:123456789012:function:mock"
      qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:mock:$LATEST"
      invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock/invocations"
    }
  }

  mock_resource "aws_lambda_layer_version" {
    defaults = {
      arn       = "arn:aws:lambda:us-east-1:123456789012:layer:webhook-processor-dependencies:1"
      layer_arn = "arn:aws:lambda:us-east-1:123456789012:layer:webhook-processor-dependencies"
      version   = "1"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-bucket" }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = {
      arn        = "arn:aws:dynamodb:us-east-1:123456789012:table/webhook-transactions"
      stream_arn = "arn:aws:dynamodb:us-east-1:123456789012:table/webhook-transactions/stream/2026-01-01T00:00:00.000"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-processor/mock/secret-AbCdEf" }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = {
      id               = "abc123defg"
      root_resource_id = "rootid0000"
      execution_arn    = "arn:aws:execute-api:us-east-1:123456789012:abc123defg"
    }
  }

  mock_resource "aws_api_gateway_stage" {
    defaults = {
      arn           = "arn:aws:apigateway:us-east-1::/restapis/abc123defg/stages/mock"
      execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123defg/mock"
      invoke_url    = "https://abc123defg.execute-api.us-east-1.amazonaws.com/mock"
    }
  }

  mock_resource "aws_cloudtrail" {
    defaults = { arn = "arn:aws:cloudtrail:us-east-1:123456789012:trail/mock" }
  }
}

variables {
  environment = "dev"
}

run "plan_dev_defaults" {
  command = plan

  assert {
    condition     = output.function_arns != null
    error_message = "function_arns output missing"
  }
}
