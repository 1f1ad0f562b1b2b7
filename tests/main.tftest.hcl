# Runs the root module against a mock AWS provider (no credentials, no network) and checks the five mandatory
# requirements, the request's numbers, the per-environment differences and the variable validations. The same file
# runs on OpenTofu (`tofu test`) and on Terraform (`terraform test`, 1.7+). Runs use `command = apply`: with a mock
# provider nothing is created, and both engines fill computed ids and ARNs from the mocks at apply, whereas at plan
# only OpenTofu does (Terraform needs `override_during = plan`, 1.11+, which OpenTofu rejects). Validation failures
# stay plans.

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

# ---------------------------------------------------------------------------------------------------------------------
# The five mandatory requirements and the request's numbers, on the defaults (environment dev)
# ---------------------------------------------------------------------------------------------------------------------

run "lambda_functions" {
  command = apply

  # Requirement 1: arm64 (Graviton2) on every function; requirement 4: X-Ray Active on every function.
  assert {
    condition = alltrue([
      for m in concat(values(module.validators), [module.processor, module.query, module.authorizer]) :
      join(",", m.architectures) == "arm64" && m.tracing_mode == "Active" && m.runtime == "python3.11"
    ])
    error_message = "Every function must be arm64, python3.11 and X-Ray Active."
  }

  assert {
    condition     = length(module.validators) == 3 && alltrue([for p in ["stripe", "paypal", "square"] : module.validators[p].function_name == "${p}-webhook-validator"])
    error_message = "One validator per provider, named <provider>-webhook-validator."
  }

  assert {
    condition = (
      module.processor.function_name == "webhook-processor" &&
      module.query.function_name == "transaction-query" &&
      module.authorizer.function_name == "webhook-api-authorizer"
    )
    error_message = "Function names must be the request's and design.md's."
  }

  assert {
    condition = alltrue([
      for m in concat(values(module.validators), [module.processor, module.query, module.authorizer]) :
      length(m.layers) == 1 && m.layers[0] == module.dependencies_layer.arn
    ])
    error_message = "Every function must use the webhook-processor-dependencies layer."
  }

  assert {
    condition     = alltrue([for m in values(module.validators) : m.memory_size == 512 && m.timeout == 10 && m.log_retention_in_days == 7])
    error_message = "Validators: 512 MB, 10 s, 7-day logs."
  }

  assert {
    condition     = module.processor.memory_size == 1024 && module.processor.timeout == 30 && module.processor.log_retention_in_days == 30
    error_message = "Processor: 1024 MB, 30 s, 30-day logs."
  }

  assert {
    condition     = module.processor.reserved_concurrent_executions == 100
    error_message = "Processor reserved concurrency must be 100."
  }

  assert {
    condition     = module.processor.maximum_retry_attempts == 2 && module.processor.dead_letter_target_arn == aws_sqs_queue.dlq.arn
    error_message = "Processor: 2 async retries, then the SQS DLQ."
  }

  assert {
    condition     = module.query.memory_size == 256 && module.query.timeout == 5 && module.query.log_retention_in_days == 7
    error_message = "Query: 256 MB, 5 s, 7-day logs."
  }

  assert {
    condition     = aws_cloudwatch_log_group.api_access.retention_in_days == 14 && aws_cloudwatch_log_group.api_execution.retention_in_days == 14
    error_message = "API Gateway logs: 14 days."
  }

  assert {
    condition = alltrue([
      for p, m in module.validators : alltrue([
        for k in ["PROVIDER_NAME", "PROVIDER_SECRET_ARN", "DYNAMODB_TABLE", "S3_BUCKET", "PROCESSOR_FUNCTION_ARN", "ENVIRONMENT"] :
        contains(keys(m.environment_variables), k)
      ]) && m.environment_variables["PROVIDER_NAME"] == p
    ])
    error_message = "Validators need the request's environment variables (design.md)."
  }

  assert {
    condition = (
      module.validators["stripe"].environment_variables["STRIPE_TOLERANCE_SECONDS"] == "300" &&
      module.validators["paypal"].environment_variables["PAYPAL_IPN_VERIFY_URL"] == "https://ipnpb.paypal.com/cgi-bin/webscr" &&
      startswith(module.validators["square"].environment_variables["SQUARE_NOTIFICATION_URL"], "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev/")
    )
    error_message = "Per-provider validator settings (design.md)."
  }

  assert {
    condition = alltrue([
      for k in ["DYNAMODB_TABLE", "S3_PROCESSED_BUCKET", "ENVIRONMENT", "S3_BUCKET"] : contains(keys(module.processor.environment_variables), k)
    ]) && module.processor.environment_variables["ENVIRONMENT"] == "dev"
    error_message = "Processor environment variables (design.md)."
  }

  assert {
    condition     = contains(keys(module.authorizer.environment_variables), "PROVIDER_API_KEY_IDS")
    error_message = "The authorizer gets API key ids."
  }

  assert {
    condition     = join(",", module.dependencies_layer.compatible_architectures) == "arm64" && contains(module.dependencies_layer.compatible_runtimes, "python3.11")
    error_message = "The layer targets arm64 and python3.11."
  }
}

run "api_gateway" {
  command = apply

  # The decision-12 authorizers and usage plans in full; tests/query_api_auth.tftest.hcl covers the AWS_IAM default.
  variables {
    query_api_authorization = "API_KEY"
  }

  assert {
    condition     = module.api_gateway.rest_api_name == "payment-webhooks-dev" && module.api_gateway.stage_name == "dev" && module.api_gateway.api_key_source == "AUTHORIZER"
    error_message = "REST API payment-webhooks-<env>, stage <env>, API key source AUTHORIZER."
  }

  # Requirement 3: a body validator and a model on every POST.
  assert {
    condition = length(module.api_gateway.webhook_methods) == 3 && alltrue([
      for p, m in module.api_gateway.webhook_methods :
      m.http_method == "POST" &&
      m.request_validator_id == module.api_gateway.body_validator.id &&
      m.request_models[module.api_gateway.models[p].content_type] == module.api_gateway.models[p].name
    ]) && module.api_gateway.body_validator.validate_request_body
    error_message = "Every POST needs the body validator and its provider's model."
  }

  assert {
    condition = alltrue([
      for p, m in module.api_gateway.models :
      jsondecode(m.schema)["$schema"] == "http://json-schema.org/draft-04/schema#"
    ])
    error_message = "Models are draft-04 JSON Schemas from schemas/<provider>-webhook.json."
  }

  # JSON-only providers validate every Content-Type ($default); PayPal maps JSON only, so form-encoded IPN passes
  # through to its validator.
  assert {
    condition = (
      module.api_gateway.models["stripe"].content_type == "$default" &&
      module.api_gateway.models["square"].content_type == "$default" &&
      module.api_gateway.models["paypal"].content_type == "application/json"
    )
    error_message = "Stripe and Square models map to $default; PayPal's to application/json."
  }

  assert {
    condition = alltrue([
      for m in values(module.api_gateway.webhook_methods) :
      m.authorization == "CUSTOM" && m.api_key_required && m.authorizer_id == module.api_gateway.authorizers["webhook-route"].id
    ])
    error_message = "Webhook routes use the webhook-route authorizer and require the (authorizer-supplied) API key."
  }

  assert {
    condition = alltrue([
      for m in values(module.api_gateway.query_methods) :
      m.http_method == "GET" && m.api_key_required && m.authorizer_id == module.api_gateway.authorizers["query-caller"].id
    ])
    error_message = "GET query routes require an API key and use the query-caller authorizer."
  }

  assert {
    condition = (
      module.api_gateway.authorizers["webhook-route"].identity_source == "context.resourcePath" &&
      module.api_gateway.authorizers["query-caller"].identity_source == "method.request.header.x-api-key" &&
      alltrue([for a in values(module.api_gateway.authorizers) : a.type == "REQUEST" && a.ttl == 300])
    )
    error_message = "Two cached REQUEST authorizers (decision 12)."
  }

  # Requirement 4 on the API side.
  assert {
    condition     = module.api_gateway.stage_xray_tracing_enabled
    error_message = "X-Ray tracing must be on for the stage."
  }

  assert {
    condition = (
      module.api_gateway.method_settings["*/*"].throttling_rate_limit == 10000 &&
      module.api_gateway.method_settings["*/*"].throttling_burst_limit == 5000 &&
      module.api_gateway.method_settings["api/v1/webhooks/stripe/POST"].throttling_rate_limit == 2000 &&
      module.api_gateway.method_settings["api/v1/webhooks/paypal/POST"].throttling_rate_limit == 1500 &&
      module.api_gateway.method_settings["api/v1/webhooks/square/POST"].throttling_rate_limit == 1000
    )
    error_message = "Throttles: 10,000 rps / 5,000 burst overall; 2,000/1,500/1,000 rps per provider."
  }

  assert {
    condition = (
      module.api_gateway.usage_plan_throttles["stripe"].rate_limit == 2000 &&
      module.api_gateway.usage_plan_throttles["paypal"].rate_limit == 1500 &&
      module.api_gateway.usage_plan_throttles["square"].rate_limit == 1000 &&
      length(module.api_gateway.usage_plan_ids) == 4 &&
      length(module.api_gateway.webhook_api_key_ids) == 3
    )
    error_message = "A usage plan and key per provider, plus internal-query."
  }

  assert {
    condition = alltrue([
      for s in values(module.api_gateway.method_settings) :
      s.metrics_enabled && s.logging_level == "INFO" && s.data_trace_enabled && !s.caching_enabled
    ])
    error_message = "dev: metrics, INFO logging and data trace on every method."
  }

  assert {
    condition = (
      module.api_gateway.lambda_permission_source_arns["webhook-stripe"] == "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/POST/api/v1/webhooks/stripe" &&
      module.api_gateway.lambda_permission_source_arns["get_transaction"] == "arn:aws:execute-api:us-east-1:123456789012:abc123defg/dev/GET/api/v1/transactions/*"
    )
    error_message = "Lambda permissions are scoped to the API, stage, method and path."
  }

  assert {
    condition = (
      toset(keys(module.api_gateway.stage_variables)) == toset(["dynamodb_table", "s3_bucket", "s3_processed_bucket", "square_notification_url", "environment"]) &&
      module.api_gateway.stage_variables["dynamodb_table"] == "webhook-transactions" &&
      module.api_gateway.stage_variables["s3_bucket"] == "123456789012-webhook-payloads-dev" &&
      module.api_gateway.stage_variables["square_notification_url"] == "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev/api/v1/webhooks/square"
    )
    error_message = "Stage variables per decision 1 and design.md."
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 0 && length(aws_iam_role.api_gateway_cloudwatch) == 0
    error_message = "The region-wide API Gateway account setting is left to prod by default (one owner per account and region)."
  }

  # Unique per API, so a replacement API (create_before_destroy) never collides with the old one's statements.
  assert {
    condition = length(module.api_gateway.lambda_permission_statement_ids) == 7 && alltrue([
      for sid in values(module.api_gateway.lambda_permission_statement_ids) : endswith(sid, "-abc123defg")
    ])
    error_message = "Every Lambda permission statement id carries the API id."
  }

  assert {
    condition = (
      module.api_gateway.usage_plan_names["stripe"] == "payment-webhooks-dev-webhooks-stripe" &&
      module.api_gateway.usage_plan_names["internal-query"] == "payment-webhooks-dev-internal-query"
    )
    error_message = "Usage plans (account-wide objects) are named after the API, so environments sharing an account tell them apart."
  }
}

run "data_stores" {
  command = apply

  # Requirement 2: on-demand billing and point-in-time recovery.
  assert {
    condition     = module.transactions_table.billing_mode == "PAY_PER_REQUEST" && module.transactions_table.point_in_time_recovery_enabled
    error_message = "DynamoDB must be PAY_PER_REQUEST with PITR."
  }

  assert {
    condition = (
      module.transactions_table.table_name == "webhook-transactions" &&
      module.transactions_table.stream_view_type == "NEW_AND_OLD_IMAGES" &&
      module.transactions_table.ttl_attribute_name == "expires_at" &&
      module.transactions_table.server_side_encryption_enabled &&
      module.transactions_table.global_secondary_indexes["ProviderTimestampIndex"].hash_key == "provider" &&
      module.transactions_table.global_secondary_indexes["CustomerIndex"].hash_key == "customer_id" &&
      alltrue([for g in values(module.transactions_table.global_secondary_indexes) : g.range_key == "timestamp" && g.projection_type == "ALL"]) &&
      length(module.transactions_table.autoscaling_targets) == 0
    )
    error_message = "Table keys, both GSIs (projection ALL), streams, TTL, SSE; no autoscaling on-demand."
  }

  # Requirement 5: SSE-S3 and all four public access blocks on every bucket.
  assert {
    condition = alltrue([
      for b in [module.raw_payloads_bucket, module.transaction_logs_bucket, module.cloudtrail_bucket[0]] :
      b.sse_algorithm == "AES256" && alltrue(values(b.public_access_block)) && length(b.public_access_block) == 4 && b.object_ownership == "BucketOwnerEnforced"
    ])
    error_message = "Every bucket: SSE-S3, four public access blocks, BucketOwnerEnforced."
  }

  assert {
    condition = (
      module.raw_payloads_bucket.bucket_id == "123456789012-webhook-payloads-dev" &&
      module.transaction_logs_bucket.bucket_id == "123456789012-transaction-logs-dev" &&
      module.raw_payloads_bucket.versioning_status == "Disabled" &&
      module.transaction_logs_bucket.versioning_status == "Enabled"
    )
    error_message = "Bucket names and versioning as requested."
  }

  assert {
    condition = (
      module.raw_payloads_bucket.lifecycle_rules[0].object_size_greater_than == 131072 &&
      module.raw_payloads_bucket.lifecycle_rules[0].transitions[0].storage_class == "INTELLIGENT_TIERING" &&
      module.raw_payloads_bucket.lifecycle_rules[0].transitions[1].days == 90 &&
      module.raw_payloads_bucket.lifecycle_rules[1].expiration_days == 2557 &&
      module.transaction_logs_bucket.lifecycle_rules[0].object_size_greater_than == 131072 &&
      module.transaction_logs_bucket.lifecycle_rules[0].transitions[1].days == 180 &&
      module.transaction_logs_bucket.lifecycle_rules[1].expiration_days == 2557
    )
    error_message = "Lifecycle per decision 16: size-filtered transitions (90/180 days to Glacier), 7-year expiry."
  }

  assert {
    condition = (
      aws_sqs_queue.dlq.name == "webhook-processing-dlq" &&
      aws_sqs_queue.dlq.message_retention_seconds == 1209600 &&
      aws_sqs_queue.dlq.visibility_timeout_seconds == 30 &&
      aws_sqs_queue.dlq.sqs_managed_sse_enabled
    )
    error_message = "DLQ: 14 days, 30 s visibility, SSE."
  }

  assert {
    condition = alltrue([
      for p in ["stripe", "paypal", "square"] : aws_secretsmanager_secret.provider[p].name == "webhook-processor/${p}/secret"
    ]) && aws_secretsmanager_secret.provider["stripe"].recovery_window_in_days == 30
    error_message = "Secrets webhook-processor/<provider>/secret, 30-day recovery window."
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id == aws_kms_key.alarm_topic.arn && aws_kms_key.alarm_topic.enable_key_rotation
    error_message = "The alarm topic is encrypted with a rotating key CloudWatch can use."
  }
}

run "monitoring" {
  command = apply

  assert {
    condition = alltrue([
      for k, a in aws_cloudwatch_metric_alarm.lambda_errors :
      a.threshold == 10 && a.period == 300 && a.statistic == "Sum" && a.metric_name == "Errors" && a.namespace == "AWS/Lambda"
    ]) && length(aws_cloudwatch_metric_alarm.lambda_errors) == 6
    error_message = "Errors > 10 in 5 minutes, for all six functions."
  }

  assert {
    condition     = alltrue([for a in values(aws_cloudwatch_metric_alarm.lambda_throttles) : a.threshold == 5 && a.period == 300])
    error_message = "Throttles > 5 in 5 minutes."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.lambda_duration["processor"].threshold == 24000 &&
      aws_cloudwatch_metric_alarm.lambda_duration["stripe-validator"].threshold == 8000 &&
      aws_cloudwatch_metric_alarm.lambda_duration["query"].threshold == 4000 &&
      aws_cloudwatch_metric_alarm.lambda_duration["processor"].statistic == "Maximum"
    )
    error_message = "Duration alarm at 80% of each function's timeout."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.lambda_concurrent_executions.threshold == 900 && aws_cloudwatch_metric_alarm.lambda_concurrent_executions.dimensions == null
    error_message = "Account ConcurrentExecutions > 900 (no dimension)."
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.dlq_messages.threshold == 10 && aws_cloudwatch_metric_alarm.dlq_messages.metric_name == "ApproximateNumberOfMessagesVisible"
    error_message = "DLQ depth > 10."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.api_error_rate["4xx"].threshold == 5 &&
      aws_cloudwatch_metric_alarm.api_error_rate["5xx"].threshold == 1 &&
      alltrue([
        for k, a in aws_cloudwatch_metric_alarm.api_error_rate :
        toset([for q in a.metric_query : q.metric[0].metric_name if length(q.metric) > 0]) == toset(["${upper(k)}Error", "Count"])
      ]) &&
      aws_cloudwatch_metric_alarm.api_latency_p99.threshold == 2000 &&
      aws_cloudwatch_metric_alarm.api_latency_p99.extended_statistic == "p99"
    )
    error_message = "API: 4xx rate > 5%, 5xx rate > 1%, p99 latency > 2000 ms."
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dynamodb_user_errors.threshold == 50 &&
      aws_cloudwatch_metric_alarm.dynamodb_user_errors.dimensions == null &&
      aws_cloudwatch_metric_alarm.dynamodb_system_errors.threshold == 0 &&
      aws_cloudwatch_metric_alarm.dynamodb_throttled_requests.threshold == 10
    )
    error_message = "DynamoDB: UserErrors > 50 (account-level), SystemErrors > 0, ThrottledRequests > 10."
  }

  assert {
    condition = alltrue([
      for a in concat(
        values(aws_cloudwatch_metric_alarm.lambda_errors),
        values(aws_cloudwatch_metric_alarm.lambda_throttles),
        values(aws_cloudwatch_metric_alarm.lambda_duration),
        values(aws_cloudwatch_metric_alarm.api_error_rate),
        [
          aws_cloudwatch_metric_alarm.lambda_concurrent_executions,
          aws_cloudwatch_metric_alarm.dlq_messages,
          aws_cloudwatch_metric_alarm.api_latency_p99,
          aws_cloudwatch_metric_alarm.api_count_anomaly,
          aws_cloudwatch_metric_alarm.dynamodb_user_errors,
          aws_cloudwatch_metric_alarm.dynamodb_system_errors,
          aws_cloudwatch_metric_alarm.dynamodb_throttled_requests,
        ],
      ) : a.alarm_actions == toset([aws_sns_topic.alarms.arn]) && a.ok_actions == toset([aws_sns_topic.alarms.arn])
    ])
    error_message = "Every alarm notifies the SNS topic on ALARM and OK."
  }

  assert {
    condition = (
      aws_cloudwatch_log_metric_filter.processing_duration.metric_transformation[0].value == "$.duration_ms" &&
      alltrue([for f in values(aws_cloudwatch_log_metric_filter.errors_by_provider) : f.metric_transformation[0].dimensions["Provider"] == "$.provider"]) &&
      length(aws_cloudwatch_log_metric_filter.error_lines) == 6 &&
      length(aws_cloudwatch_log_metric_filter.invalid_signature) == 3
    )
    error_message = "Metric filters: ERROR lines, Invalid signature, duration_ms, errors by provider."
  }

  assert {
    condition = (
      aws_xray_sampling_rule.this[0].fixed_rate == 0.1 && aws_xray_sampling_rule.this[0].reservoir_size == 1 &&
      aws_xray_sampling_rule.this[0].rule_name == "payment-webhooks-dev"
    )
    error_message = "X-Ray sampling: 10% with a reservoir of 1 per second, in a rule named <project>-<environment>."
  }

  assert {
    condition     = aws_cloudtrail.this[0].enable_log_file_validation && length(aws_cloudtrail.this[0].event_selector[0].data_resource[0].values) == 2
    error_message = "CloudTrail with log file validation and data events on both payload buckets."
  }
}

# Least privilege, on the statements the policy documents are built from (the mock renders no JSON). Mock ARNs:
# every bucket is arn:aws:s3:::mock-bucket, every function ...:function:mock (see the mock_provider block).
run "iam_least_privilege" {
  command = apply

  assert {
    condition = alltrue([
      for p in ["stripe", "paypal", "square"] : {
        for st in data.aws_iam_policy_document.validator[p].statement : st.sid => [toset(st.actions), toset(st.resources)]
        } == {
        WriteOwnLogs             = [toset(["logs:CreateLogStream", "logs:PutLogEvents"]), toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/${p}-webhook-validator:*"])]
        StoreRawPayloads         = [toset(["s3:PutObject"]), toset(["arn:aws:s3:::mock-bucket/${p}/*"])]
        CompareStoredRawPayloads = [toset(["s3:GetObject"]), toset(["arn:aws:s3:::mock-bucket/${p}/*"])]
        ReadOwnSigningSecret     = [toset(["secretsmanager:GetSecretValue"]), toset([aws_secretsmanager_secret.provider[p].arn])]
        InvokeProcessorAsync     = [toset(["lambda:InvokeFunction"]), toset([module.processor.function_arn])]
      }
    ])
    error_message = "A validator reaches only its log group, its provider's prefix of the raw bucket (write, and read to compare a redelivery), its own secret and the processor."
  }

  assert {
    condition = {
      for st in data.aws_iam_policy_document.processor.statement : st.sid => [toset(st.actions), toset(st.resources)]
      } == {
      WriteOwnLogs          = [toset(["logs:CreateLogStream", "logs:PutLogEvents"]), toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/webhook-processor:*"])]
      WriteTransactions     = [toset(["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:DeleteItem"]), toset([module.transactions_table.table_arn])]
      StoreProcessedLogs    = [toset(["s3:PutObject"]), toset(["arn:aws:s3:::mock-bucket/*"])]
      ReadLargeRawPayloads  = [toset(["s3:GetObject"]), toset(["arn:aws:s3:::mock-bucket/*"])]
      SendFailedEventsToDlq = [toset(["sqs:SendMessage"]), toset([aws_sqs_queue.dlq.arn])]
    }
    error_message = "The processor's policy is the request's list plus reading large raw payloads and deleting a failed record a replay supersedes, each scoped."
  }

  assert {
    condition = {
      for st in data.aws_iam_policy_document.query.statement : st.sid => [toset(st.actions), toset(st.resources)]
      } == {
      WriteOwnLogs     = [toset(["logs:CreateLogStream", "logs:PutLogEvents"]), toset(["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/transaction-query:*"])]
      ReadTransactions = [toset(["dynamodb:GetItem", "dynamodb:Query"]), toset([module.transactions_table.table_arn, "${module.transactions_table.table_arn}/index/*"])]
    }
    error_message = "The query role is read-only on the table and its indexes."
  }

  assert {
    condition = {
      for st in data.aws_iam_policy_document.authorizer.statement : st.sid => toset(st.actions)
      } == {
      WriteOwnLogs        = toset(["logs:CreateLogStream", "logs:PutLogEvents"])
      ReadProviderApiKeys = toset(["apigateway:GET"])
      } && length([
        for st in data.aws_iam_policy_document.authorizer.statement : st if st.sid == "ReadProviderApiKeys" && toset(st.resources) == toset([for id in values(module.api_gateway.webhook_api_key_ids) : "arn:aws:apigateway:us-east-1::/apikeys/${id}"]) && alltrue([for r in st.resources : can(regex("^arn:aws:apigateway:us-east-1::/apikeys/[^*]+$", r))])
    ]) == 1
    error_message = "The authorizer reads exactly the provider API keys, by id."
  }

  # X-Ray is the only "*" (it supports no resource scope), shared by every function through one document.
  assert {
    condition = (
      length(data.aws_iam_policy_document.xray_write.statement) == 1 &&
      toset(data.aws_iam_policy_document.xray_write.statement[0].actions) == toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]) &&
      alltrue(flatten([
        for d in concat(values(data.aws_iam_policy_document.validator), [data.aws_iam_policy_document.processor, data.aws_iam_policy_document.query, data.aws_iam_policy_document.authorizer]) : [
          for st in d.statement : !contains(st.resources, "*") && !contains(st.actions, "logs:CreateLogGroup")
        ]
      ]))
    )
    error_message = "No function statement uses Resource \"*\" (X-Ray aside) or may create log groups."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Per environment (the values of environments/<env>.tfvars that change behaviour; tests/tooling runs the real files)
# ---------------------------------------------------------------------------------------------------------------------

run "staging" {
  command = apply

  variables {
    environment                  = "staging"
    dynamodb_deletion_protection = true
    alarm_email_addresses        = ["payments-staging-alerts@example.com"]
  }

  assert {
    condition     = module.api_gateway.stage_name == "staging" && module.api_gateway.method_settings["*/*"].data_trace_enabled
    error_message = "staging: stage named staging, data trace on."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.alarm_email) == 1
    error_message = "Email subscriptions come from alarm_email_addresses."
  }
}

run "prod" {
  command = apply

  variables {
    environment                  = "prod"
    dynamodb_deletion_protection = true
  }

  # Decision 13: no request/response bodies in prod logs, by default (api_data_trace_enabled = null).
  assert {
    condition     = alltrue([for s in values(module.api_gateway.method_settings) : !s.data_trace_enabled && s.logging_level == "INFO"])
    error_message = "prod: data trace off, INFO logging on, on every method."
  }

  assert {
    condition     = module.transactions_table.billing_mode == "PAY_PER_REQUEST" && module.transactions_table.point_in_time_recovery_enabled
    error_message = "prod: on-demand with PITR."
  }

  assert {
    condition     = module.raw_payloads_bucket.bucket_id == "123456789012-webhook-payloads-prod" && module.processor.environment_variables["ENVIRONMENT"] == "prod"
    error_message = "prod names."
  }

  assert {
    condition = (
      length(aws_api_gateway_account.this) == 1 && aws_api_gateway_account.this[0].reset_on_delete &&
      aws_iam_role.api_gateway_cloudwatch[0].name == "api-gateway-cloudwatch-logs-us-east-1"
    )
    error_message = "prod owns the region-wide API Gateway logging setting and clears it when destroyed."
  }
}

run "name_suffix_makes_every_account_wide_name_unique" {
  command = apply

  variables {
    name_suffix                         = "dev"
    create_api_gateway_account_settings = true
  }

  assert {
    condition = (
      alltrue([for p, m in module.validators : m.function_name == "${p}-webhook-validator-dev"]) &&
      module.processor.function_name == "webhook-processor-dev" &&
      module.query.function_name == "transaction-query-dev" &&
      module.authorizer.function_name == "webhook-api-authorizer-dev" &&
      module.processor.log_group_name == "/aws/lambda/webhook-processor-dev" &&
      aws_iam_role.processor.name == "webhook-processor-dev-role" &&
      aws_iam_role.validator["stripe"].name == "stripe-webhook-validator-dev-role" &&
      aws_iam_role.api_gateway_cloudwatch[0].name == "api-gateway-cloudwatch-logs-us-east-1-dev"
    )
    error_message = "Functions, their log groups and roles, and the logging role carry the suffix."
  }

  assert {
    condition = (
      module.transactions_table.table_name == "webhook-transactions-dev" &&
      aws_secretsmanager_secret.provider["stripe"].name == "webhook-processor-dev/stripe/secret" &&
      aws_sqs_queue.dlq.name == "webhook-processing-dlq-dev" &&
      module.dependencies_layer.layer_name == "webhook-processor-dependencies-dev" &&
      module.api_gateway.stage_variables["dynamodb_table"] == "webhook-transactions-dev"
    )
    error_message = "Table, secrets, DLQ and layer carry the suffix, and the stage variables follow."
  }

  # Least privilege follows the renamed log group.
  assert {
    condition = contains(
      flatten([for st in data.aws_iam_policy_document.processor.statement : st.resources if st.sid == "WriteOwnLogs"]),
      "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/webhook-processor-dev:*",
    )
    error_message = "The processor may write only its own (suffixed) log group."
  }
}

# X-Ray rule names are account-wide and at most 32 characters: with a long project_name, dev and prod in one account
# must still get two rules (the two expected names differ only in their hash of the whole name).
run "long_project_name_keeps_dev_xray_rule_apart" {
  command = apply

  variables {
    project_name = "acme-payments-webhook-platform-eu"
  }

  assert {
    condition     = aws_xray_sampling_rule.this[0].rule_name == "acme-payments-webhook-p-86d6b298"
    error_message = "A name over 32 characters keeps its first 23 and 8 hex digits of sha1(<project>-<environment>)."
  }
}

run "long_project_name_keeps_prod_xray_rule_apart" {
  command = apply

  variables {
    project_name                 = "acme-payments-webhook-platform-eu"
    environment                  = "prod"
    dynamodb_deletion_protection = true
  }

  assert {
    condition     = aws_xray_sampling_rule.this[0].rule_name == "acme-payments-webhook-p-c7226c88"
    error_message = "prod's rule differs from dev's even when <project>-<environment> is cut to 32 characters."
  }
}

run "offline_account_id_replaces_sts" {
  command = apply

  variables {
    offline_account_id = "210987654321"
  }

  assert {
    condition     = length(data.aws_caller_identity.current) == 0
    error_message = "With offline_account_id set, STS is not asked."
  }

  assert {
    condition     = module.raw_payloads_bucket.bucket_id == "210987654321-webhook-payloads-dev" && module.transaction_logs_bucket.bucket_id == "210987654321-transaction-logs-dev"
    error_message = "The offline account id names the buckets as the STS one would."
  }
}

run "local" {
  command = apply

  variables {
    environment                         = "local"
    enable_cloudtrail                   = false
    create_api_gateway_account_settings = false
    enable_xray_sampling_rule           = false
    s3_force_destroy                    = true
    secret_recovery_window_in_days      = 0
    dynamodb_deletion_protection        = false
    paypal_cert_allowed_hosts           = "api.paypal.com,localhost"
    paypal_ipn_verify_url               = "https://localhost:45663/cgi-bin/webscr"
    square_notification_url             = "http://127.0.0.1:45661/local/api/v1/webhooks/square"
  }

  assert {
    condition     = length(aws_cloudtrail.this) == 0 && length(module.cloudtrail_bucket) == 0 && length(aws_api_gateway_account.this) == 0 && length(aws_xray_sampling_rule.this) == 0
    error_message = "local: no CloudTrail, no account setting, no sampling rule."
  }

  assert {
    condition = (
      module.api_gateway.stage_variables["square_notification_url"] == "http://127.0.0.1:45661/local/api/v1/webhooks/square" &&
      module.validators["square"].environment_variables["SQUARE_NOTIFICATION_URL"] == "http://127.0.0.1:45661/local/api/v1/webhooks/square" &&
      strcontains(module.validators["paypal"].environment_variables["PAYPAL_CERT_ALLOWED_HOSTS"], "localhost")
    )
    error_message = "local: the Square URL override and localhost for PayPal certificates."
  }
}

# Decision 12 (amended): the default query API is IAM-only; the authorizer knows no key that could open it.
run "query_api_defaults_to_iam" {
  command = plan

  assert {
    condition = (
      output.query_api_authorization == "AWS_IAM" && output.query_api_key_id == null &&
      alltrue([for m in values(module.api_gateway.query_methods) : m.authorization == "AWS_IAM" && !m.api_key_required]) &&
      module.authorizer.environment_variables["QUERY_API_KEY_IDS"] == "[]" &&
      !contains(keys(module.api_gateway.usage_plan_ids), "internal-query")
    )
    error_message = "dev (the defaults): SigV4 on the query routes, no internal-query key, and none given to the authorizer."
  }
}

run "provisioned_mode_autoscales_table_and_gsis" {
  command = apply

  variables {
    dynamodb_billing_mode = "PROVISIONED"
  }

  assert {
    condition = length(module.transactions_table.autoscaling_targets) == 6 && alltrue([
      for t in values(module.transactions_table.autoscaling_targets) : t.min == 5 && t.max == 1000
    ])
    error_message = "PROVISIONED: read and write autoscaling 5-1000 for the table and both GSIs."
  }
}

# Issue 8 (docs/security.md): sandbox trust never in prod, IPN receivers and the transmission window reach the PayPal
# validator, and the SSE-KMS option encrypts the raw bucket with the given key and grants exactly its two uses.
run "prod_security_options" {
  command = apply

  variables {
    environment                           = "prod"
    dynamodb_deletion_protection          = true
    paypal_trust_sandbox                  = true
    paypal_ipn_receivers                  = ["MERCHANT123", "shop@example.com"]
    paypal_transmission_tolerance_seconds = 86400
    raw_payloads_kms_key_arn              = "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
  }

  assert {
    condition = (
      module.validators["paypal"].environment_variables["PAYPAL_TRUST_SANDBOX"] == "false" &&
      module.validators["paypal"].environment_variables["PAYPAL_IPN_RECEIVERS"] == "MERCHANT123,shop@example.com" &&
      module.validators["paypal"].environment_variables["PAYPAL_TRANSMISSION_TOLERANCE_SECONDS"] == "86400" &&
      !strcontains(module.validators["paypal"].environment_variables["PAYPAL_CERT_ALLOWED_HOSTS"], "sandbox")
    )
    error_message = "prod: no sandbox trust even when asked; receivers and window reach the PayPal validator."
  }

  assert {
    condition = alltrue([
      for p in ["stripe", "paypal", "square"] :
      module.validators[p].environment_variables["RAW_PAYLOADS_KMS_KEY_ARN"] == "arn:aws:kms:us-east-1:123456789012:key/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    ]) && module.raw_payloads_bucket.sse_algorithm == "aws:kms" && module.transaction_logs_bucket.sse_algorithm == "AES256"
    error_message = "raw_payloads_kms_key_arn: SSE-KMS on the raw bucket only, and every validator puts with the key."
  }
}

run "dev_trusts_sandbox_when_asked" {
  command = plan

  variables {
    paypal_trust_sandbox = true
  }

  assert {
    condition     = module.validators["paypal"].environment_variables["PAYPAL_TRUST_SANDBOX"] == "true" && module.raw_payloads_bucket.sse_algorithm == "AES256" && !contains(keys(module.validators["stripe"].environment_variables), "RAW_PAYLOADS_KMS_KEY_ARN")
    error_message = "dev: sandbox trust on request; SSE-S3 by default."
  }
}

run "rejects_a_raw_payloads_kms_key_that_is_not_a_key_arn" {
  command = plan

  variables {
    raw_payloads_kms_key_arn = "alias/my-key"
  }

  expect_failures = [var.raw_payloads_kms_key_arn]
}

run "rejects_a_transmission_window_shorter_than_five_minutes" {
  command = plan

  variables {
    paypal_transmission_tolerance_seconds = 60
  }

  expect_failures = [var.paypal_transmission_tolerance_seconds]
}

# ---------------------------------------------------------------------------------------------------------------------
# Variable validations reject bad input
# ---------------------------------------------------------------------------------------------------------------------

run "rejects_unknown_environment" {
  command = plan

  variables {
    environment = "production"
  }

  expect_failures = [var.environment]
}

run "rejects_unknown_billing_mode" {
  command = plan

  variables {
    dynamodb_billing_mode = "ON_DEMAND"
  }

  expect_failures = [var.dynamodb_billing_mode]
}

run "rejects_node_runtime" {
  command = plan

  variables {
    lambda_runtime = "nodejs18.x"
  }

  expect_failures = [var.lambda_runtime]
}

run "rejects_provider_throttle_above_api_limit" {
  command = plan

  variables {
    webhook_providers = {
      stripe = { throttling_rate_limit = 20000, throttling_burst_limit = 1000 }
    }
  }

  expect_failures = [var.webhook_providers]
}

run "rejects_unknown_model_content_type" {
  command = plan

  variables {
    webhook_providers = {
      stripe = { throttling_rate_limit = 2000, throttling_burst_limit = 1000, model_content_type = "text/plain" }
    }
  }

  expect_failures = [var.webhook_providers]
}

run "rejects_bad_name_suffix" {
  command = plan

  variables {
    name_suffix = "Dev_1"
  }

  expect_failures = [var.name_suffix]
}

run "rejects_bad_offline_account_id" {
  command = plan

  variables {
    offline_account_id = "12345"
  }

  expect_failures = [var.offline_account_id]
}

run "rejects_bad_secret_recovery_window" {
  command = plan

  variables {
    secret_recovery_window_in_days = 3
  }

  expect_failures = [var.secret_recovery_window_in_days]
}
