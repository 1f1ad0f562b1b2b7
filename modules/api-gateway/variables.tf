variable "create" {
  description = "Create the module's resources (false creates nothing; every output is then null)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Name of the REST API (the project uses payment-webhooks-<environment>); also the ApiName metric dimension."
  type        = string

  validation {
    condition     = length(var.name) > 0 && length(var.name) <= 1024
    error_message = "name must be 1-1024 characters."
  }
}

variable "description" {
  description = "Description of the REST API."
  type        = string
  default     = "Payment provider webhooks and the transaction query API."
}

variable "endpoint_type" {
  description = "Endpoint type: REGIONAL (providers call from many places; put CloudFront in front only if needed) or EDGE."
  type        = string
  default     = "REGIONAL"

  validation {
    condition     = contains(["REGIONAL", "EDGE"], var.endpoint_type)
    error_message = "endpoint_type must be REGIONAL or EDGE."
  }
}

variable "stage_name" {
  description = "Name of the stage (the project names it after the environment, decision 1)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, hyphens or underscores."
  }
}

variable "webhook_routes" {
  description = <<-EOT
    One POST /api/v1/webhooks/<key> route per provider. Per entry: function_name and invoke_arn of its validator,
    model_schema (draft-04 JSON Schema text), model_content_type ("$default" to validate every content type, or
    "application/json"), throttling_rate_limit (rps) and throttling_burst_limit for the method
    and the provider's usage plan, optional quota_limit/quota_period, and enabled (false disables the provider's
    API key, so only that provider gets 403).
  EOT
  type = map(object({
    function_name          = string
    invoke_arn             = string
    model_schema           = string
    model_content_type     = optional(string, "application/json")
    throttling_rate_limit  = number
    throttling_burst_limit = number
    quota_limit            = optional(number)
    quota_period           = optional(string, "DAY")
    enabled                = optional(bool, true)
  }))

  validation {
    condition     = length(var.webhook_routes) > 0 && alltrue([for k, _ in var.webhook_routes : can(regex("^[a-z][a-z0-9]*$", k))])
    error_message = "webhook_routes needs at least one entry, keyed by a lowercase alphanumeric provider name."
  }

  validation {
    condition     = alltrue([for r in values(var.webhook_routes) : r.throttling_rate_limit > 0 && r.throttling_burst_limit > 0])
    error_message = "Every route needs positive throttling_rate_limit and throttling_burst_limit."
  }

  validation {
    condition     = alltrue([for r in values(var.webhook_routes) : contains(["DAY", "WEEK", "MONTH"], r.quota_period)])
    error_message = "quota_period must be DAY, WEEK or MONTH."
  }

  validation {
    condition     = alltrue([for r in values(var.webhook_routes) : contains(["$default", "application/json"], r.model_content_type)])
    error_message = "model_content_type must be \"$default\" or \"application/json\"."
  }
}

variable "query_function" {
  description = "The transaction query function behind both GET routes: function_name and invoke_arn."
  type = object({
    function_name = string
    invoke_arn    = string
  })
}

variable "authorizer" {
  description = "The request authorizer function used by both authorizers: function_name and invoke_arn."
  type = object({
    function_name = string
    invoke_arn    = string
  })
}

variable "authorizer_result_ttl_in_seconds" {
  description = "How long API Gateway caches an authorizer decision (0-3600 s). Longer means fewer authorizer calls; a disabled key is still refused by the usage plan immediately."
  type        = number
  default     = 300

  validation {
    condition     = var.authorizer_result_ttl_in_seconds >= 0 && var.authorizer_result_ttl_in_seconds <= 3600
    error_message = "authorizer_result_ttl_in_seconds must be between 0 and 3600."
  }
}

variable "stage_variables" {
  description = "Stage variables (names: letters, digits, underscores; values: characters API Gateway allows)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.stage_variables : can(regex("^[A-Za-z0-9_]+$", k)) && can(regex("^[A-Za-z0-9-._~:/?#&=,]*$", v))])
    error_message = "Stage variable names must be [A-Za-z0-9_]+ and values [A-Za-z0-9-._~:/?#&=,]*."
  }
}

variable "xray_tracing_enabled" {
  description = "Active X-Ray tracing on the stage (mandatory for this project)."
  type        = bool
  default     = true
}

variable "access_log_destination_arn" {
  description = "ARN of the CloudWatch log group receiving JSON access logs."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:logs:", var.access_log_destination_arn))
    error_message = "access_log_destination_arn must be a CloudWatch Logs log group ARN."
  }
}

variable "access_log_format" {
  description = "Access log fields (rendered as one JSON object per request). Never add $context.identity.apiKey: it is a credential."
  type        = map(string)
  default = {
    requestId          = "$context.requestId"
    extendedRequestId  = "$context.extendedRequestId"
    requestTime        = "$context.requestTime"
    sourceIp           = "$context.identity.sourceIp"
    userAgent          = "$context.identity.userAgent"
    httpMethod         = "$context.httpMethod"
    resourcePath       = "$context.resourcePath"
    status             = "$context.status"
    protocol           = "$context.protocol"
    responseLength     = "$context.responseLength"
    responseLatency    = "$context.responseLatency"
    integrationLatency = "$context.integrationLatency"
    integrationStatus  = "$context.integrationStatus"
    apiKeyId           = "$context.identity.apiKeyId"
    authorizerError    = "$context.authorizer.error"
    errorMessage       = "$context.error.message"
    validationError    = "$context.error.validationErrorString"
    xrayTraceId        = "$context.xrayTraceId"
  }

  validation {
    condition     = contains(keys(var.access_log_format), "requestId") && !anytrue([for v in values(var.access_log_format) : can(regex("identity\\.apiKey($|[^I])", v))])
    error_message = "access_log_format must include requestId and must not log API key values ($context.identity.apiKey)."
  }
}

variable "logging_level" {
  description = "Execution logging level for every method: OFF, ERROR or INFO."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.logging_level)
    error_message = "logging_level must be OFF, ERROR or INFO."
  }
}

variable "metrics_enabled" {
  description = "Per-method CloudWatch metrics."
  type        = bool
  default     = true
}

variable "data_trace_enabled" {
  description = "Log full request and response bodies. Writes payment data into logs: keep false in prod (decision 13)."
  type        = bool
  default     = false
}

variable "throttling_rate_limit" {
  description = "Stage-wide steady-state limit in requests per second (the request: 10,000)."
  type        = number
  default     = 10000

  validation {
    condition     = var.throttling_rate_limit > 0
    error_message = "throttling_rate_limit must be positive."
  }
}

variable "throttling_burst_limit" {
  description = "Stage-wide burst limit in requests (the request: 5,000)."
  type        = number
  default     = 5000

  validation {
    condition     = var.throttling_burst_limit > 0
    error_message = "throttling_burst_limit must be positive."
  }
}

variable "query_throttling_rate_limit" {
  description = "Steady-state rps of the query routes: the internal-query usage plan (API_KEY) or the two GET methods' settings (AWS_IAM)."
  type        = number
  default     = 100

  validation {
    condition     = var.query_throttling_rate_limit > 0
    error_message = "query_throttling_rate_limit must be positive."
  }
}

variable "query_throttling_burst_limit" {
  description = "Burst of the query routes: the internal-query usage plan (API_KEY) or the two GET methods' settings (AWS_IAM)."
  type        = number
  default     = 50

  validation {
    condition     = var.query_throttling_burst_limit > 0
    error_message = "query_throttling_burst_limit must be positive."
  }
}

variable "web_acl_arn" {
  description = "Optional WAFv2 web ACL ARN to associate with the stage; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:", var.web_acl_arn))
    error_message = "web_acl_arn must be a WAFv2 web ACL ARN or null."
  }
}

variable "tags" {
  description = "Tags for the API, stage, usage plans and keys (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "query_authorization" {
  description = <<-EOT
    How callers of the GET query routes authenticate: "AWS_IAM" (SigV4-signed with the caller's AWS credentials; the
    default, because API keys are for metering, not authentication) or "API_KEY" (the internal-query API key as
    x-api-key, checked by the query-caller authorizer; the local stack uses it).
  EOT
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "API_KEY"], var.query_authorization)
    error_message = "query_authorization must be AWS_IAM or API_KEY."
  }
}

variable "query_allowed_principals" {
  description = "AWS_IAM mode only: IAM principal ARNs (roles, users, or account roots; * wildcards allowed) that alone may call the query routes, enforced by a resource policy. Empty (default): no resource policy; callers' own IAM policies decide."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.query_allowed_principals : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(root|role/.+|user/.+)$", p))])
    error_message = "query_allowed_principals must be IAM role, user or account-root ARNs."
  }
}
