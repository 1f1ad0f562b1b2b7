variable "create" {
  description = "Create the module's resources (false creates nothing; every output is then null)."
  type        = bool
  default     = true
}

variable "function_name" {
  description = "Name of the Lambda function; also names its log group /aws/lambda/<name>."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, hyphens and underscores."
  }
}

variable "description" {
  description = "Human-readable description of what the function does."
  type        = string
  default     = ""

  validation {
    condition     = length(var.description) <= 256
    error_message = "description must be at most 256 characters."
  }
}

variable "role_arn" {
  description = "ARN of the execution role. Roles are built by the caller so each function gets its own least-privilege policy."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::", var.role_arn))
    error_message = "role_arn must be an IAM role ARN."
  }
}

variable "handler" {
  description = "Entry point in the package. Every handler in this project is index.handler."
  type        = string
  default     = "index.handler"

  validation {
    condition     = can(regex("^[^\\s]+\\.[^\\s]+$", var.handler))
    error_message = "handler must look like <module>.<function>, e.g. index.handler."
  }
}

variable "runtime" {
  description = "Lambda runtime. Python 3.11 or newer (decision 19: Node 18 is past end of support on Lambda)."
  type        = string
  default     = "python3.11"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.11, python3.12 or python3.13."
  }
}

variable "architecture" {
  description = "Instruction set. arm64 (Graviton2) is mandatory by the cost policy; the dependency layer is built for aarch64 only."
  type        = string
  default     = "arm64"

  validation {
    condition     = var.architecture == "arm64"
    error_message = "Only arm64 is allowed."
  }
}

variable "memory_size" {
  description = "Memory in MB (128-10240). CPU scales with memory."
  type        = number
  default     = 128

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds (1-900). The Duration alarm threshold is derived from it."
  type        = number
  default     = 3

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "filename" {
  description = "Path to the deployment zip (built deterministically by `python -m webhookdev.build`). Its sha256 becomes source_code_hash, so an unchanged zip plans no change."
  type        = string
}

variable "layers" {
  description = "Layer version ARNs to attach (at most 5)."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.layers) <= 5
    error_message = "Lambda allows at most 5 layers."
  }
}

variable "environment_variables" {
  description = "Environment variables. Names and ARNs only: never secret values."
  type        = map(string)
  default     = {}
}

variable "tracing_mode" {
  description = "X-Ray tracing mode. Active is mandatory for this project (requirement 4)."
  type        = string
  default     = "Active"

  validation {
    condition     = var.tracing_mode == "Active"
    error_message = "tracing_mode must be Active."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; -1 leaves the function unreserved (uses the account pool)."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a non-negative number."
  }
}

variable "dead_letter_target_arn" {
  description = "SQS queue or SNS topic ARN that receives asynchronous events which failed every retry; null for none."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_target_arn == null || can(regex("^arn:aws[a-z-]*:(sqs|sns):", var.dead_letter_target_arn))
    error_message = "dead_letter_target_arn must be an SQS queue or SNS topic ARN."
  }
}

variable "create_async_invoke_config" {
  description = "Whether to manage the asynchronous invocation settings (retries, maximum event age)."
  type        = bool
  default     = false
}

variable "maximum_retry_attempts" {
  description = "Retries for asynchronous invocations (0-2); used when create_async_invoke_config is true."
  type        = number
  default     = 2

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "Maximum age of an asynchronous event before it is discarded to the DLQ (60-21600 s)."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 21600
    error_message = "maximum_event_age_in_seconds must be between 60 and 21600."
  }
}

variable "log_retention_in_days" {
  description = "Retention of the function's log group, in days (one of the values CloudWatch Logs accepts)."
  type        = number
  default     = 7

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_in_days)
    error_message = "log_retention_in_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "log_kms_key_id" {
  description = "Optional KMS key ARN for the log group; null uses the CloudWatch Logs service key."
  type        = string
  default     = null

  validation {
    condition     = var.log_kms_key_id == null || can(regex("^arn:aws[a-z-]*:kms:", var.log_kms_key_id))
    error_message = "log_kms_key_id must be a KMS key ARN or null."
  }
}

variable "kms_key_arn" {
  description = "Optional KMS key ARN for environment variables at rest; null uses the Lambda AWS-managed key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "code_signing_config_arn" {
  description = "Optional code signing configuration ARN."
  type        = string
  default     = null

  validation {
    condition     = var.code_signing_config_arn == null || can(regex("^arn:aws[a-z-]*:lambda:", var.code_signing_config_arn))
    error_message = "code_signing_config_arn must be a Lambda code signing config ARN or null."
  }
}

variable "publish" {
  description = "Whether to publish a numbered version on each change. Off: API Gateway calls $LATEST, deployments are whole-stack."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the function and its log group (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
