# ---------------------------------------------------------------------------------------------------------------------
# Deployment
# ---------------------------------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region of the stack. us-east-1 is the production region of the request; the local stack uses it too."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region name such as us-east-1."
  }
}

variable "environment" {
  description = "Environment of this stack (decision 1: one stack per environment): dev, staging, prod, or local for the moto-based local stack. Names the API stage and the buckets."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod", "local"], var.environment)
    error_message = "environment must be one of dev, staging, prod, local."
  }
}

variable "project_name" {
  description = "Project name: prefixes the REST API name (<project>-<environment>) and the Project tag."
  type        = string
  default     = "payment-webhooks"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,40}$", var.project_name))
    error_message = "project_name must be 3-41 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "name_suffix" {
  description = <<-EOT
    Appended as "-<suffix>" to every account- or region-wide name that does not already carry the environment:
    functions (and so their roles and log groups), the table, the secrets, the DLQ, the layer, the API Gateway logging
    role. Names that carry the environment (the API, alarms, topic, buckets, trail) stay unique without it. Empty
    (default) keeps the request's exact names; set it (e.g. "dev") when several environments share one AWS account.
    1-16 lowercase letters, digits or hyphens. Changing it renames, so replaces, those resources.
  EOT
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([a-z0-9][a-z0-9-]{0,15})?$", var.name_suffix))
    error_message = "name_suffix must be empty or 1-16 lowercase letters, digits or hyphens, starting with a letter or digit."
  }
}

variable "offline_account_id" {
  description = <<-EOT
    Plans without AWS (CI, reviews): when set, this 12-digit account id is used instead of asking STS, and the provider
    skips its credential, region and account-id checks, so mock credentials suffice. null (default) asks STS. Never
    set it for an apply: nothing checks that the credentials belong to this account.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.offline_account_id == null || can(regex("^[0-9]{12}$", var.offline_account_id))
    error_message = "offline_account_id must be null or a 12-digit AWS account id."
  }
}

variable "tags" {
  description = "Extra tags applied to every resource through the provider's default_tags (e.g. Owner, CostCenter)."
  type        = map(string)
  default     = {}
}

variable "artifacts_dir" {
  description = "Directory holding functions/<lambda dir>.zip and layers/webhook-processor-dependencies.zip (`python -m webhookdev.build`). null means <root>/build."
  type        = string
  default     = null

  validation {
    condition     = var.artifacts_dir == null ? true : length(var.artifacts_dir) > 0
    error_message = "artifacts_dir must be a non-empty path or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Payment providers: adding one is an entry here, its plug-in code and schemas/<key>-webhook.json (decision 7)
# ---------------------------------------------------------------------------------------------------------------------

variable "webhook_providers" {
  description = <<-EOT
    Payment providers, keyed by lowercase name. Per provider: throttling_rate_limit (rps) and throttling_burst_limit
    for its POST method and its usage plan, optional quota_limit/quota_period for the usage plan, enabled (false
    disables its API key: that provider gets 403, the others are unaffected), extra_environment for its validator and
    model_content_type: the content type its body model is mapped to. "$default" validates every request whatever its
    Content-Type (right for JSON-only providers); "application/json" leaves other content types unvalidated by API
    Gateway (needed for PayPal, whose classic IPN is form-encoded; its validator checks those bodies itself).
    Each key needs lambda/<key>-validator, schemas/<key>-webhook.json and a plug-in in webhook_core.
  EOT
  type = map(object({
    throttling_rate_limit  = number
    throttling_burst_limit = number
    quota_limit            = optional(number)
    quota_period           = optional(string, "DAY")
    enabled                = optional(bool, true)
    extra_environment      = optional(map(string), {})
    model_content_type     = optional(string, "application/json")
  }))
  default = {
    stripe = { throttling_rate_limit = 2000, throttling_burst_limit = 1000, model_content_type = "$default" }
    paypal = { throttling_rate_limit = 1500, throttling_burst_limit = 750, model_content_type = "application/json" }
    square = { throttling_rate_limit = 1000, throttling_burst_limit = 500, model_content_type = "$default" }
  }

  validation {
    condition     = length(var.webhook_providers) > 0 && alltrue([for k, _ in var.webhook_providers : can(regex("^[a-z][a-z0-9]{1,20}$", k))])
    error_message = "webhook_providers needs at least one entry, keyed by a lowercase alphanumeric name of 2-21 characters."
  }

  validation {
    condition     = alltrue([for p in values(var.webhook_providers) : p.throttling_rate_limit > 0 && p.throttling_rate_limit <= 10000 && p.throttling_burst_limit > 0 && p.throttling_burst_limit <= 5000])
    error_message = "Provider throttles must be positive and within the API's 10,000 rps / 5,000 burst."
  }

  validation {
    condition     = alltrue([for p in values(var.webhook_providers) : contains(["DAY", "WEEK", "MONTH"], p.quota_period) && (p.quota_limit == null ? true : p.quota_limit > 0)])
    error_message = "quota_period must be DAY, WEEK or MONTH and quota_limit positive when set."
  }

  validation {
    condition     = alltrue([for p in values(var.webhook_providers) : contains(["$default", "application/json"], p.model_content_type)])
    error_message = "model_content_type must be \"$default\" or \"application/json\"."
  }
}

variable "stripe_tolerance_seconds" {
  description = "Maximum age of a Stripe signature timestamp (STRIPE_TOLERANCE_SECONDS); Stripe's libraries default to 300."
  type        = number
  default     = 300

  validation {
    condition     = var.stripe_tolerance_seconds >= 30 && var.stripe_tolerance_seconds <= 3600
    error_message = "stripe_tolerance_seconds must be between 30 and 3600."
  }
}

variable "paypal_cert_allowed_hosts" {
  description = "Comma-separated hosts a PayPal signing certificate may be downloaded from (PAYPAL_CERT_ALLOWED_HOSTS). The code enforces https, port 443 and no query; sandbox hosts listed here are dropped unless paypal_trust_sandbox is on (docs/security.md)."
  type        = string
  default     = "api.paypal.com,api-m.paypal.com"

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?(,[a-z0-9.-]+(:[0-9]+)?)*$", var.paypal_cert_allowed_hosts))
    error_message = "paypal_cert_allowed_hosts must be comma-separated host names (optionally with :port), no spaces."
  }
}

variable "paypal_ipn_verify_url" {
  description = "PayPal IPN postback URL (PAYPAL_IPN_VERIFY_URL). Use https://ipnpb.sandbox.paypal.com/cgi-bin/webscr for sandbox."
  type        = string
  default     = "https://ipnpb.paypal.com/cgi-bin/webscr"

  validation {
    condition     = can(regex("^https://", var.paypal_ipn_verify_url))
    error_message = "paypal_ipn_verify_url must be an https URL."
  }
}

variable "paypal_cert_ca_bundle" {
  description = "Optional CA bundle path trusted for PayPal certificate downloads (PAYPAL_CERT_CA_BUNDLE). Local stack only; null in AWS."
  type        = string
  default     = null

  validation {
    condition     = var.paypal_cert_ca_bundle == null ? true : length(var.paypal_cert_ca_bundle) > 0
    error_message = "paypal_cert_ca_bundle must be a non-empty path or null."
  }
}

variable "square_notification_url" {
  description = "The notification URL registered with Square, signed byte for byte (decision 10). null computes https://<api id>.execute-api.<region>.amazonaws.com/<stage>/api/v1/webhooks/square; set it when a custom domain fronts the API."
  type        = string
  default     = null

  validation {
    condition     = var.square_notification_url == null ? true : can(regex("^https?://", var.square_notification_url))
    error_message = "square_notification_url must be an http(s) URL."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------------------------------

variable "lambda_runtime" {
  description = "Runtime of every function and of the layer (decision 19). The layer's wheels are built for cp311, so change both together."
  type        = string
  default     = "python3.11"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.lambda_runtime)
    error_message = "lambda_runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "lambda_log_level" {
  description = "POWERTOOLS_LOG_LEVEL of every function. DEBUG may log more than you want in prod."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.lambda_log_level)
    error_message = "lambda_log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "validator_memory_size" {
  description = "Memory of each validator function in MB (the request: 512). More memory also means more CPU for cold starts."
  type        = number
  default     = 512

  validation {
    condition     = var.validator_memory_size >= 128 && var.validator_memory_size <= 10240
    error_message = "validator_memory_size must be between 128 and 10240."
  }
}

variable "validator_timeout" {
  description = "Timeout of each validator in seconds (the request: 10). API Gateway itself gives up after 29 s."
  type        = number
  default     = 10

  validation {
    condition     = var.validator_timeout >= 1 && var.validator_timeout <= 29
    error_message = "validator_timeout must be between 1 and 29 (the API Gateway integration limit)."
  }
}

variable "processor_memory_size" {
  description = "Memory of the processor in MB (the request: 1024, 'might need more')."
  type        = number
  default     = 1024

  validation {
    condition     = var.processor_memory_size >= 128 && var.processor_memory_size <= 10240
    error_message = "processor_memory_size must be between 128 and 10240."
  }
}

variable "processor_timeout" {
  description = "Timeout of the processor in seconds (the request: 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.processor_timeout >= 1 && var.processor_timeout <= 900
    error_message = "processor_timeout must be between 1 and 900."
  }
}

variable "processor_reserved_concurrency" {
  description = "Reserved concurrency of the processor (the request: 100). It both guarantees and caps the processor's share of the account's 1,000."
  type        = number
  default     = 100

  validation {
    condition     = var.processor_reserved_concurrency >= 1 && var.processor_reserved_concurrency <= 900
    error_message = "processor_reserved_concurrency must be between 1 and 900 (the account keeps at least 100 unreserved)."
  }
}

variable "processor_max_retry_attempts" {
  description = "Asynchronous retries of the processor before the event goes to the DLQ (the request: 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.processor_max_retry_attempts >= 0 && var.processor_max_retry_attempts <= 2
    error_message = "processor_max_retry_attempts must be 0, 1 or 2."
  }
}

variable "processor_max_event_age_seconds" {
  description = "How long an asynchronous event may wait (including retries) before it goes to the DLQ: 60-21600 s (6 h)."
  type        = number
  default     = 21600

  validation {
    condition     = var.processor_max_event_age_seconds >= 60 && var.processor_max_event_age_seconds <= 21600
    error_message = "processor_max_event_age_seconds must be between 60 and 21600."
  }
}

variable "query_memory_size" {
  description = "Memory of the query function in MB (the request: 256)."
  type        = number
  default     = 256

  validation {
    condition     = var.query_memory_size >= 128 && var.query_memory_size <= 10240
    error_message = "query_memory_size must be between 128 and 10240."
  }
}

variable "query_timeout" {
  description = "Timeout of the query function in seconds (the request: 5)."
  type        = number
  default     = 5

  validation {
    condition     = var.query_timeout >= 1 && var.query_timeout <= 29
    error_message = "query_timeout must be between 1 and 29."
  }
}

variable "authorizer_memory_size" {
  description = "Memory of the request authorizer in MB; it only maps a route to an API key id, 128 is plenty."
  type        = number
  default     = 128

  validation {
    condition     = var.authorizer_memory_size >= 128 && var.authorizer_memory_size <= 10240
    error_message = "authorizer_memory_size must be between 128 and 10240."
  }
}

variable "authorizer_timeout" {
  description = "Timeout of the request authorizer in seconds."
  type        = number
  default     = 3

  validation {
    condition     = var.authorizer_timeout >= 1 && var.authorizer_timeout <= 29
    error_message = "authorizer_timeout must be between 1 and 29."
  }
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention in days per log group kind (the request: validators 7, processor 30, query 7, API Gateway 14; the authorizer follows the validators)."
  type = object({
    validators  = optional(number, 7)
    processor   = optional(number, 30)
    query       = optional(number, 7)
    authorizer  = optional(number, 7)
    api_gateway = optional(number, 14)
  })
  default = {}

  validation {
    condition = alltrue([
      for d in values(var.log_retention_days) :
      contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], d)
    ])
    error_message = "Every retention must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# API Gateway
# ---------------------------------------------------------------------------------------------------------------------

variable "api_throttling_rate_limit" {
  description = "Stage-wide steady-state limit in requests per second (the request: 10,000)."
  type        = number
  default     = 10000

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be between 1 and 10000 (the default account limit)."
  }
}

variable "api_throttling_burst_limit" {
  description = "Stage-wide burst limit in requests (the request: 5,000)."
  type        = number
  default     = 5000

  validation {
    condition     = var.api_throttling_burst_limit > 0 && var.api_throttling_burst_limit <= 5000
    error_message = "api_throttling_burst_limit must be between 1 and 5000 (the default account limit)."
  }
}

variable "query_throttling_rate_limit" {
  description = "Steady-state rps of the query API: the internal-query usage plan (API_KEY) or the two GET methods' settings (AWS_IAM)."
  type        = number
  default     = 100

  validation {
    condition     = var.query_throttling_rate_limit > 0
    error_message = "query_throttling_rate_limit must be positive."
  }
}

variable "query_throttling_burst_limit" {
  description = "Burst of the query API: the internal-query usage plan (API_KEY) or the two GET methods' settings (AWS_IAM)."
  type        = number
  default     = 50

  validation {
    condition     = var.query_throttling_burst_limit > 0
    error_message = "query_throttling_burst_limit must be positive."
  }
}

variable "authorizer_cache_ttl_seconds" {
  description = "Authorizer result cache TTL in seconds (0-3600). 300 means about one authorizer call per route per 5 minutes."
  type        = number
  default     = 300

  validation {
    condition     = var.authorizer_cache_ttl_seconds >= 0 && var.authorizer_cache_ttl_seconds <= 3600
    error_message = "authorizer_cache_ttl_seconds must be between 0 and 3600."
  }
}

variable "api_logging_level" {
  description = "API Gateway execution logging level: OFF, ERROR or INFO (INFO everywhere per decision 13)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.api_logging_level)
    error_message = "api_logging_level must be OFF, ERROR or INFO."
  }
}

variable "api_data_trace_enabled" {
  description = "Full request/response logging. null (default) means on everywhere except prod, where bodies carry payment data (decision 13). Setting true in prod puts cardholder data in CloudWatch Logs."
  type        = bool
  default     = null
}

variable "create_api_gateway_account_settings" {
  description = <<-EOT
    Manage the region-wide API Gateway account setting (the CloudWatch Logs role API Gateway logs with). There is one
    per account and region, and whoever sets it last wins, so exactly one stack per account and region may own it.
    null (default) means only in prod; set true in the one stack that owns it when dev or staging have their own
    account (stage logging fails until the account has a role), false where another stack already owns it.
  EOT
  type        = bool
  default     = null
}

variable "api_gateway_account_reset_on_delete" {
  description = "When the stack that owns the API Gateway account setting is destroyed, clear the setting (true, default) rather than leave it pointing at the deleted logging role."
  type        = bool
  default     = true
}

variable "web_acl_arn" {
  description = "Optional WAFv2 web ACL to associate with the stage; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:", var.web_acl_arn))
    error_message = "web_acl_arn must be a WAFv2 web ACL ARN or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# DynamoDB
# ---------------------------------------------------------------------------------------------------------------------

variable "dynamodb_table_name" {
  description = "Name of the transactions table (the request: webhook-transactions)."
  type        = string
  default     = "webhook-transactions"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.dynamodb_table_name))
    error_message = "dynamodb_table_name must be 3-255 letters, digits, underscores, hyphens or dots."
  }
}

variable "dynamodb_billing_mode" {
  description = "PAY_PER_REQUEST (on-demand, mandatory per the request) or PROVISIONED (with autoscaling 70%, 5-1000), kept for a later decision."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.dynamodb_billing_mode)
    error_message = "dynamodb_billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "dynamodb_autoscaling" {
  description = "Autoscaling for PROVISIONED mode: target_utilization percent, min_capacity and max_capacity units, for the table and each GSI (the request: 70, 5, 1000)."
  type = object({
    target_utilization = optional(number, 70)
    min_capacity       = optional(number, 5)
    max_capacity       = optional(number, 1000)
  })
  default = {}

  validation {
    condition     = var.dynamodb_autoscaling.min_capacity >= 1 && var.dynamodb_autoscaling.max_capacity >= var.dynamodb_autoscaling.min_capacity && var.dynamodb_autoscaling.target_utilization >= 20 && var.dynamodb_autoscaling.target_utilization <= 90
    error_message = "Need 1 <= min_capacity <= max_capacity and 20 <= target_utilization <= 90."
  }
}

variable "dynamodb_deletion_protection" {
  description = "Refuse DeleteTable (on by default; dev and local turn it off to allow teardown)."
  type        = bool
  default     = true
}

variable "transaction_ttl_attribute" {
  description = "TTL attribute the processor sets (expires_at, 7 years after the event by default in code); null disables TTL."
  type        = string
  default     = "expires_at"

  validation {
    condition     = var.transaction_ttl_attribute == null || can(regex("^[A-Za-z0-9_.-]{1,255}$", var.transaction_ttl_attribute))
    error_message = "transaction_ttl_attribute must be an attribute name or null."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# S3 (decision 16)
# ---------------------------------------------------------------------------------------------------------------------

variable "raw_payload_retention_days" {
  description = "Days raw webhook payloads are kept: 2557 (7 years, PCI, the default) or 365 (the request's alternative)."
  type        = number
  default     = 2557

  validation {
    condition     = var.raw_payload_retention_days >= 1 && var.raw_payload_retention_days <= 3653
    error_message = "raw_payload_retention_days must be between 1 and 3653."
  }
}

variable "transaction_log_retention_days" {
  description = "Days processed transaction logs are kept (7 years, PCI)."
  type        = number
  default     = 2557

  validation {
    condition     = var.transaction_log_retention_days >= 1 && var.transaction_log_retention_days <= 3653
    error_message = "transaction_log_retention_days must be between 1 and 3653."
  }
}

variable "transaction_log_noncurrent_retention_days" {
  description = "Days an overwritten or deleted version of a processed log stays recoverable."
  type        = number
  default     = 365

  validation {
    condition     = var.transaction_log_noncurrent_retention_days >= 1
    error_message = "transaction_log_noncurrent_retention_days must be at least 1."
  }
}

variable "lifecycle_transition_min_object_size_bytes" {
  description = "Only objects larger than this are transitioned (Intelligent-Tiering, Glacier). Below 128 KiB transitions cost more than they save: see docs/terraform.md."
  type        = number
  default     = 131072

  validation {
    condition     = var.lifecycle_transition_min_object_size_bytes >= 0
    error_message = "lifecycle_transition_min_object_size_bytes must be non-negative."
  }
}

variable "raw_payload_glacier_transition_days" {
  description = "Age in days at which large raw payloads move to Glacier Flexible Retrieval (the request: 90)."
  type        = number
  default     = 90

  validation {
    condition     = var.raw_payload_glacier_transition_days >= 1
    error_message = "raw_payload_glacier_transition_days must be at least 1."
  }
}

variable "transaction_log_glacier_transition_days" {
  description = "Age in days at which large processed logs move to Glacier Flexible Retrieval (the request: 180)."
  type        = number
  default     = 180

  validation {
    condition     = var.transaction_log_glacier_transition_days >= 1
    error_message = "transaction_log_glacier_transition_days must be at least 1."
  }
}

variable "s3_force_destroy" {
  description = "Allow destroy to empty and delete the buckets. Only for throwaway stacks (local); never where compliance data lives."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------------------------------------------------------------
# SQS, Secrets Manager
# ---------------------------------------------------------------------------------------------------------------------

variable "dlq_message_retention_seconds" {
  description = "How long failed events stay in the DLQ (the request: 14 days, the SQS maximum)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.dlq_message_retention_seconds >= 60 && var.dlq_message_retention_seconds <= 1209600
    error_message = "dlq_message_retention_seconds must be between 60 and 1209600."
  }
}

variable "dlq_visibility_timeout_seconds" {
  description = "DLQ visibility timeout (the request: 30 s, the processor's timeout, so a redrive consumer has one invocation's time)."
  type        = number
  default     = 30

  validation {
    condition     = var.dlq_visibility_timeout_seconds >= 0 && var.dlq_visibility_timeout_seconds <= 43200
    error_message = "dlq_visibility_timeout_seconds must be between 0 and 43200."
  }
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted provider secret can be restored: 0 (delete at once, so a throwaway dev or local stack can be re-created the same day under the same name) or 7-30 (prod: 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days must be 0 or between 7 and 30."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------------------------------------------------

variable "alarm_email_addresses" {
  description = "Addresses subscribed to the alarm topic by email (each must confirm). Pager integrations subscribe to the topic ARN output."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_email_addresses : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "Every alarm_email_addresses entry must be an email address."
  }
}

variable "alarm_thresholds" {
  description = <<-EOT
    Alarm thresholds (the request's numbers are the defaults): lambda_errors (per function, per 5 min), lambda_throttles
    (per 5 min), lambda_duration_percent_of_timeout, concurrent_executions (account), dlq_messages, api_4xx_rate_percent,
    api_5xx_rate_percent, api_latency_p99_ms, api_count_anomaly_band_width (standard deviations), dynamodb_user_errors
    (per 5 min, account-level), dynamodb_system_errors, dynamodb_throttled_requests (per 5 min).
    The silent-loss alarms (docs/monitoring.md): processor_async_event_age_ms (oldest event waiting in the processor's
    async queue, maximum over 5 min), processor_async_events_dropped (per 5 min), processor_event_age_percent_of_max
    (AsyncEventAge as a share of processor_max_event_age_seconds: events about to be dropped for age),
    processing_failed (failed records per provider, per 5 min) and dlq_oldest_message_age_seconds.
  EOT
  type = object({
    lambda_errors                      = optional(number, 10)
    lambda_throttles                   = optional(number, 5)
    lambda_duration_percent_of_timeout = optional(number, 80)
    concurrent_executions              = optional(number, 900)
    dlq_messages                       = optional(number, 10)
    api_4xx_rate_percent               = optional(number, 5)
    api_5xx_rate_percent               = optional(number, 1)
    api_latency_p99_ms                 = optional(number, 2000)
    api_count_anomaly_band_width       = optional(number, 2)
    dynamodb_user_errors               = optional(number, 50)
    dynamodb_system_errors             = optional(number, 0)
    dynamodb_throttled_requests        = optional(number, 10)
    processor_async_event_age_ms       = optional(number, 300000)
    processor_async_events_dropped     = optional(number, 0)
    processor_event_age_percent_of_max = optional(number, 50)
    processing_failed                  = optional(number, 0)
    dlq_oldest_message_age_seconds     = optional(number, 86400)
  })
  default = {}

  validation {
    condition     = alltrue([for v in values(var.alarm_thresholds) : v >= 0]) && var.alarm_thresholds.lambda_duration_percent_of_timeout <= 100
    error_message = "Alarm thresholds must be non-negative and lambda_duration_percent_of_timeout at most 100."
  }

  validation {
    condition     = var.alarm_thresholds.processor_event_age_percent_of_max > 0 && var.alarm_thresholds.processor_event_age_percent_of_max < 100
    error_message = "processor_event_age_percent_of_max must be above 0 and below 100 (at 100 the events are already dropped)."
  }

  validation {
    # SQS keeps a message at most 14 days; an age alarm beyond that could never fire.
    condition     = var.alarm_thresholds.dlq_oldest_message_age_seconds >= 60 && var.alarm_thresholds.dlq_oldest_message_age_seconds < 1209600
    error_message = "dlq_oldest_message_age_seconds must be at least 60 and below 1209600 (14 days, the SQS maximum retention)."
  }
}

variable "provider_silence_alarm_minutes" {
  description = <<-EOT
    Per provider (a key of webhook_providers): minutes without a single WebhookReceived before the provider-silent
    alarm fires, missing data counting as silence. A provider without an entry gets no alarm, so {} turns them all off
    (dev does: its traffic is sporadic). Choose N above the provider's longest normal quiet spell (nights, weekends).
    Whole minutes, 5-1440 (CloudWatch evaluates at most one day of 1-minute periods).
  EOT
  type        = map(number)
  default     = { stripe = 30, paypal = 60, square = 60 }

  validation {
    condition     = alltrue([for n in values(var.provider_silence_alarm_minutes) : n >= 5 && n <= 1440 && floor(n) == n])
    error_message = "Every provider_silence_alarm_minutes value must be a whole number of minutes between 5 and 1440."
  }
}

variable "metric_namespace" {
  description = "CloudWatch namespace of the metric-filter metrics (the code's own EMF metrics use PaymentWebhooks)."
  type        = string
  default     = "PaymentWebhooks/Logs"

  validation {
    condition     = can(regex("^[A-Za-z0-9./#:_ -]{1,255}$", var.metric_namespace)) && substr(var.metric_namespace, 0, 4) != "AWS/"
    error_message = "metric_namespace must be 1-255 valid characters and must not start with AWS/."
  }
}

variable "enable_xray_sampling_rule" {
  description = "Create the X-Ray sampling rule for this API (10% fixed rate, 1 request/s reservoir; decision 14)."
  type        = bool
  default     = true
}

variable "xray_sampling" {
  description = "X-Ray sampling: fixed_rate (0-1, the request: 0.1), reservoir_size (traces per second before the rate applies) and priority (1-9999, lower wins)."
  type = object({
    fixed_rate     = optional(number, 0.1)
    reservoir_size = optional(number, 1)
    priority       = optional(number, 1000)
  })
  default = {}

  validation {
    condition     = var.xray_sampling.fixed_rate >= 0 && var.xray_sampling.fixed_rate <= 1 && var.xray_sampling.reservoir_size >= 0 && var.xray_sampling.priority >= 1 && var.xray_sampling.priority <= 9999
    error_message = "Need 0 <= fixed_rate <= 1, reservoir_size >= 0 and 1 <= priority <= 9999."
  }
}

variable "enable_cloudtrail" {
  description = "Create a CloudTrail trail (management events + S3 data events on both payload buckets) with its own bucket. Turn off where an organization trail already records this account (decision 17)."
  type        = bool
  default     = true
}

variable "cloudtrail_data_events_read_write_type" {
  description = "Which S3 object operations the trail records for the payload buckets: All, WriteOnly or ReadOnly. Data events cost $0.10 per 100,000 (see docs/terraform.md)."
  type        = string
  default     = "All"

  validation {
    condition     = contains(["All", "WriteOnly", "ReadOnly"], var.cloudtrail_data_events_read_write_type)
    error_message = "cloudtrail_data_events_read_write_type must be All, WriteOnly or ReadOnly."
  }
}

variable "cloudtrail_log_retention_days" {
  description = "Days CloudTrail log files are kept (7 years by default for PCI; PCI DSS 10.5.1 asks for at least one)."
  type        = number
  default     = 2557

  validation {
    condition     = var.cloudtrail_log_retention_days >= 365
    error_message = "cloudtrail_log_retention_days must be at least 365 (PCI DSS 10.5.1)."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Outbox to EventBridge (eventbridge.tf, docs/events.md)
# ---------------------------------------------------------------------------------------------------------------------

variable "enable_event_bus" {
  description = "Publish every new transaction record to an EventBridge bus (<project>-<environment>-transactions) from the table's stream: the bus, the outbox function, its stream mapping, on-failure queue and alarms. false removes them all."
  type        = bool
  default     = true
}

variable "outbox_memory_size" {
  description = "Memory of the outbox function in MB; it only reshapes stream records and calls PutEvents."
  type        = number
  default     = 256

  validation {
    condition     = var.outbox_memory_size >= 128 && var.outbox_memory_size <= 10240
    error_message = "outbox_memory_size must be between 128 and 10240."
  }
}

variable "outbox_timeout" {
  description = "Timeout of the outbox function in seconds: one batch of outbox_batch_size PutEvents calls must fit."
  type        = number
  default     = 60

  validation {
    condition     = var.outbox_timeout >= 3 && var.outbox_timeout <= 900
    error_message = "outbox_timeout must be between 3 and 900."
  }
}

variable "outbox_batch_size" {
  description = "Stream records per outbox invocation (1-10000). Each published record is one PutEvents call, so keep a batch well inside outbox_timeout."
  type        = number
  default     = 100

  validation {
    condition     = var.outbox_batch_size >= 1 && var.outbox_batch_size <= 10000
    error_message = "outbox_batch_size must be between 1 and 10000."
  }
}

variable "outbox_parallelization_factor" {
  description = "Concurrent batches per stream shard (1-10). Records of one transaction_id stay in order at any value; raise it when the outbox-iterator-age alarm shows the outbox falling behind."
  type        = number
  default     = 2

  validation {
    condition     = var.outbox_parallelization_factor >= 1 && var.outbox_parallelization_factor <= 10
    error_message = "outbox_parallelization_factor must be between 1 and 10."
  }
}

variable "outbox_maximum_retry_attempts" {
  description = "Retries of a failing batch before it is described to the on-failure queue and skipped (0-10000). -1 (retry until the record expires from the stream after 24 h) is not allowed: it would stop the outbox for a day on one poison record."
  type        = number
  default     = 10

  validation {
    condition     = var.outbox_maximum_retry_attempts >= 0 && var.outbox_maximum_retry_attempts <= 10000
    error_message = "outbox_maximum_retry_attempts must be between 0 and 10000."
  }
}

variable "outbox_iterator_age_alarm_ms" {
  description = "Alarm when the outbox's IteratorAge (age of the newest record it has read) exceeds this, in ms. The stream keeps records 24 h; the default (15 minutes) leaves time to act."
  type        = number
  default     = 900000

  validation {
    condition     = var.outbox_iterator_age_alarm_ms >= 60000 && var.outbox_iterator_age_alarm_ms < 86400000
    error_message = "outbox_iterator_age_alarm_ms must be at least 60000 (1 minute) and below 86400000 (the stream's 24 h retention)."
  }
}

variable "provider_shards" {
  description = "Write shards of ProviderTimestampIndex per provider. 1 keeps the request's index (partition key provider). N > 1 keys it by provider_shard = \"<provider>#<k>\" (k from the event id) so one provider's writes spread over N GSI partitions (about 1,000 WCU/s each); list queries by provider then read N partitions and merge them. Raise it when a provider's write rate nears one partition's limit (docs/scaling.md); changing it rebuilds the index."
  type        = number
  default     = 1

  validation {
    condition     = var.provider_shards >= 1 && var.provider_shards <= 16 && floor(var.provider_shards) == var.provider_shards
    error_message = "provider_shards must be a whole number from 1 to 16."
  }
}

variable "processed_log_delivery" {
  description = "How the processor writes the processed log: object_per_event (one S3 PUT per event, the original layout) or firehose (a Kinesis Data Firehose stream batches JSON lines into objects under /{provider}/{yyyy}/{mm}/{dd}/). See docs/scaling.md for the trade-offs."
  type        = string
  default     = "object_per_event"

  validation {
    condition     = contains(["object_per_event", "firehose"], var.processed_log_delivery)
    error_message = "processed_log_delivery must be object_per_event or firehose."
  }
}

variable "processed_log_buffering" {
  description = "Firehose buffering for processed_log_delivery = firehose: an object is written per partition (provider and day) when size_mb (64-128; dynamic partitioning needs at least 64) or interval_seconds (60-900) is reached, whichever comes first."
  type = object({
    size_mb          = optional(number, 128)
    interval_seconds = optional(number, 300)
  })
  default = {}

  validation {
    condition     = var.processed_log_buffering.size_mb >= 64 && var.processed_log_buffering.size_mb <= 128 && var.processed_log_buffering.interval_seconds >= 60 && var.processed_log_buffering.interval_seconds <= 900
    error_message = "processed_log_buffering needs 64 <= size_mb <= 128 and 60 <= interval_seconds <= 900."
  }
}

variable "query_api_authorization" {
  description = <<-EOT
    How callers of GET /api/v1/transactions authenticate (decision 12, amended; docs/api.md): "AWS_IAM" (default, used
    by dev, staging and prod) means SigV4 with the caller's AWS credentials, allowed by the query_api_invoke_policy_json
    output; "API_KEY" means the internal-query API key as x-api-key (environments/local.tfvars keeps it). API keys
    are for metering, not authentication, hence the default.
  EOT
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "API_KEY"], var.query_api_authorization)
    error_message = "query_api_authorization must be AWS_IAM or API_KEY."
  }
}

variable "query_api_allowed_principals" {
  description = "AWS_IAM mode only: IAM role/user/account-root ARNs that alone may call the query API, enforced by a REST API resource policy (webhook POSTs stay open). Empty (default): no resource policy; the callers' IAM policies decide."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.query_api_allowed_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", p))])
    error_message = "query_api_allowed_principals must be IAM role, user or account-root ARNs."
  }
}

# --- Hostile traffic and card data (issue 8, docs/security.md) --------------------------------------------------------

variable "paypal_ipn_receivers" {
  description = "Our PayPal merchant account ids and/or primary e-mails (PAYPAL_IPN_RECEIVERS, comma-joined). A PayPal-verified IPN whose receiver_id, receiver_email and business match none of them is acknowledged but never booked (decision 25). Empty: every IPN is refused with a 5xx (fail closed, PayPal retries) until this is set."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for r in var.paypal_ipn_receivers : can(regex("^[^,\\s]+$", r))])
    error_message = "paypal_ipn_receivers entries must be non-empty and hold no comma or whitespace."
  }
}

variable "paypal_trust_sandbox" {
  description = "Trust PayPal sandbox signing certificates (sandbox hosts and subject CN). Ignored in prod: anyone can get a sandbox webhook signed by PayPal. Set it in dev and staging only."
  type        = bool
  default     = false
}

variable "paypal_transmission_tolerance_seconds" {
  description = "Maximum age of PAYPAL-TRANSMISSION-TIME on a REST webhook (PAYPAL_TRANSMISSION_TOLERANCE_SECONDS). The default, 4 days, covers PayPal's retries over 3 days plus a day of margin; replays older than this are refused with 401."
  type        = number
  default     = 345600

  validation {
    condition     = var.paypal_transmission_tolerance_seconds >= 300 && var.paypal_transmission_tolerance_seconds <= 1209600
    error_message = "paypal_transmission_tolerance_seconds must be between 300 (5 minutes) and 1209600 (14 days)."
  }
}

variable "raw_payloads_kms_key_arn" {
  description = "Optional customer-managed KMS key for the raw payloads bucket (SSE-KMS, bucket key on). null keeps the mandated SSE-S3. With a key, the validators get kms:GenerateDataKey and the processor kms:Decrypt on it; see docs/security.md for the PCI DSS v4 3.5.1.2 trade-off."
  type        = string
  default     = null

  validation {
    condition     = var.raw_payloads_kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.raw_payloads_kms_key_arn))
    error_message = "raw_payloads_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or null."
  }
}
