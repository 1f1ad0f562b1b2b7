# Run with the real environment files, one at a time (tests/tooling/test_terraform_environments.py does):
#   tofu test -test-directory=tests/environments -var-file=environments/<env>.tfvars
# Assertions are written in terms of var.environment, so the same file checks dev, staging, prod and local.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:root", user_id = "AIDAEXAMPLE" }
  }

  mock_data "aws_region" {
    defaults = { name = "us-east-1" }
  }

  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }

  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }

  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mock-role" }
  }

  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:webhook-processing-dlq" }
  }

  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:payment-webhooks-alarms" }
  }

  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock"
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock/invocations"
    }
  }

  mock_resource "aws_lambda_layer_version" {
    defaults = { arn = "arn:aws:lambda:us-east-1:123456789012:layer:webhook-processor-dependencies:1" }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }

  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::mock-bucket" }
  }

  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:us-east-1:123456789012:table/webhook-transactions" }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:webhook-processor/mock/secret-AbCdEf" }
  }

  mock_resource "aws_api_gateway_rest_api" {
    defaults = { id = "abc123defg", execution_arn = "arn:aws:execute-api:us-east-1:123456789012:abc123defg" }
  }

  mock_resource "aws_api_gateway_stage" {
    defaults = {
      arn        = "arn:aws:apigateway:us-east-1::/restapis/abc123defg/stages/mock"
      invoke_url = "https://abc123defg.execute-api.us-east-1.amazonaws.com/mock"
    }
  }
}

run "environment_file" {
  command = apply

  assert {
    condition = alltrue([
      for m in concat(values(module.validators), [module.processor, module.query, module.authorizer], module.outbox) :
      join(",", m.architectures) == "arm64" && m.tracing_mode == "Active"
    ]) && module.api_gateway.stage_xray_tracing_enabled
    error_message = "arm64 and X-Ray on every function and on the stage."
  }

  assert {
    condition     = module.transactions_table.billing_mode == "PAY_PER_REQUEST" && module.transactions_table.point_in_time_recovery_enabled
    error_message = "On-demand billing with PITR."
  }

  assert {
    condition     = alltrue([for m in values(module.api_gateway.webhook_methods) : m.request_validator_id == module.api_gateway.body_validator.id && length(m.request_models) == 1])
    error_message = "A body validator and a model on every POST."
  }

  assert {
    condition = alltrue([
      for b in concat([module.raw_payloads_bucket, module.transaction_logs_bucket], module.cloudtrail_bucket) :
      b.sse_algorithm == "AES256" && alltrue(values(b.public_access_block))
    ])
    error_message = "SSE-S3 and public access blocks on every bucket."
  }

  assert {
    condition     = module.api_gateway.stage_name == var.environment
    error_message = "The stage is named after the environment."
  }

  assert {
    condition     = alltrue([for s in values(module.api_gateway.method_settings) : s.data_trace_enabled == (var.environment != "prod")])
    error_message = "Data trace is on outside prod and off in prod (decision 13)."
  }

  assert {
    condition     = var.environment != "prod" || var.dynamodb_deletion_protection
    error_message = "prod keeps the table's deletion protection on."
  }

  assert {
    condition     = var.environment != "local" || (length(aws_cloudtrail.this) == 0 && length(aws_api_gateway_account.this) == 0)
    error_message = "The local stack has no CloudTrail and no account-level API Gateway setting."
  }

  assert {
    condition     = var.environment != "local" || strcontains(module.validators["paypal"].environment_variables["PAYPAL_CERT_ALLOWED_HOSTS"], "localhost")
    error_message = "The local stack allows PayPal certificates from localhost."
  }

  # Several environments may share one account (decision 1, amended): prod keeps the request's names, the others
  # carry their suffix everywhere (tests/tooling/test_one_account_names.py checks the three plans against each other).
  assert {
    condition = (
      var.environment == "prod" ? var.name_suffix == "" && module.processor.function_name == "webhook-processor" :
      module.processor.function_name == (var.name_suffix == "" ? "webhook-processor" : "webhook-processor-${var.name_suffix}")
    )
    error_message = "prod keeps the request's names; other environments apply their name_suffix."
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == (var.environment == "prod" ? 1 : 0)
    error_message = "Only prod owns the region-wide API Gateway account setting."
  }

  assert {
    condition     = (var.environment == "dev") == (length(aws_cloudwatch_metric_alarm.provider_silent) == 0)
    error_message = "Provider-silent alarms are off in dev (sporadic traffic) and on everywhere else."
  }

  assert {
    condition     = length(module.outbox) == 1 && length(aws_lambda_event_source_mapping.outbox) == 1
    error_message = "Every environment publishes new records to its event bus (the local stack too, for the e2e test)."
  }

  # Decision 12 (amended): SigV4 for the query API everywhere but the local stack, which keeps its API key.
  assert {
    condition = (
      module.api_gateway.query_authorization == (var.environment == "local" ? "API_KEY" : "AWS_IAM") &&
      alltrue([for m in values(module.api_gateway.query_methods) : m.authorization == (var.environment == "local" ? "CUSTOM" : "AWS_IAM")]) &&
      (var.environment == "local") == (length(jsondecode(module.authorizer.environment_variables["QUERY_API_KEY_IDS"])) == 1)
    )
    error_message = "The query API uses AWS_IAM in dev, staging and prod, and the internal-query API key only in local."
  }
}
