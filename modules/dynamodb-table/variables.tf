variable "create" {
  description = "Create the module's resources (false creates nothing; every output is then null)."
  type        = bool
  default     = true
}

variable "name" {
  description = "Table name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of letters, digits, underscores, hyphens and dots."
  }
}

variable "hash_key" {
  description = "Partition key attribute name (must be listed in attributes)."
  type        = string

  validation {
    condition     = length(var.hash_key) > 0 && length(var.hash_key) <= 255
    error_message = "hash_key must be 1-255 characters."
  }
}

variable "range_key" {
  description = "Sort key attribute name (must be listed in attributes); null for none."
  type        = string
  default     = null

  validation {
    condition     = var.range_key == null ? true : (length(var.range_key) > 0 && length(var.range_key) <= 255)
    error_message = "range_key must be 1-255 characters or null."
  }
}

variable "attributes" {
  description = "Key attributes of the table and its indexes: name and type (S, N or B). Non-key attributes are not declared in DynamoDB."
  type = list(object({
    name = string
    type = string
  }))

  validation {
    condition     = alltrue([for a in var.attributes : contains(["S", "N", "B"], a.type)])
    error_message = "Every attribute type must be S, N or B."
  }
}

variable "global_secondary_indexes" {
  description = "Global secondary indexes: name, hash_key, optional range_key, projection_type (ALL, KEYS_ONLY or INCLUDE; default ALL) and non_key_attributes for INCLUDE."
  type = list(object({
    name               = string
    hash_key           = string
    range_key          = optional(string)
    projection_type    = optional(string, "ALL")
    non_key_attributes = optional(list(string))
  }))
  default = []

  validation {
    condition     = alltrue([for g in var.global_secondary_indexes : contains(["ALL", "KEYS_ONLY", "INCLUDE"], g.projection_type)])
    error_message = "projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }
}

variable "billing_mode" {
  description = "PAY_PER_REQUEST (on-demand, the project's mandate) or PROVISIONED (then enable_autoscaling applies)."
  type        = string
  default     = "PAY_PER_REQUEST"

  validation {
    condition     = contains(["PAY_PER_REQUEST", "PROVISIONED"], var.billing_mode)
    error_message = "billing_mode must be PAY_PER_REQUEST or PROVISIONED."
  }
}

variable "read_capacity" {
  description = "Initial read capacity units for the table and each GSI in PROVISIONED mode (ignored on-demand)."
  type        = number
  default     = 5

  validation {
    condition     = var.read_capacity >= 1
    error_message = "read_capacity must be at least 1."
  }
}

variable "write_capacity" {
  description = "Initial write capacity units for the table and each GSI in PROVISIONED mode (ignored on-demand)."
  type        = number
  default     = 5

  validation {
    condition     = var.write_capacity >= 1
    error_message = "write_capacity must be at least 1."
  }
}

variable "enable_autoscaling" {
  description = "In PROVISIONED mode, scale read and write capacity of the table and every GSI with target tracking."
  type        = bool
  default     = true
}

variable "autoscaling_target_utilization" {
  description = "Target consumed/provisioned capacity utilization in percent (the request: 70)."
  type        = number
  default     = 70

  validation {
    condition     = var.autoscaling_target_utilization >= 20 && var.autoscaling_target_utilization <= 90
    error_message = "autoscaling_target_utilization must be between 20 and 90 (the range DynamoDB target tracking accepts)."
  }
}

variable "autoscaling_min_capacity" {
  description = "Minimum capacity units per scalable dimension (the request: 5)."
  type        = number
  default     = 5

  validation {
    condition     = var.autoscaling_min_capacity >= 1
    error_message = "autoscaling_min_capacity must be at least 1."
  }
}

variable "autoscaling_max_capacity" {
  description = "Maximum capacity units per scalable dimension (the request: 1000); must not be below the minimum."
  type        = number
  default     = 1000

  validation {
    condition     = var.autoscaling_max_capacity >= 1
    error_message = "autoscaling_max_capacity must be at least 1."
  }
}

variable "point_in_time_recovery_enabled" {
  description = "Continuous backups with point-in-time restore for the last 35 days (mandatory for this project)."
  type        = bool
  default     = true
}

variable "stream_enabled" {
  description = "Enable DynamoDB Streams (for audit logging or analytics consumers)."
  type        = bool
  default     = true
}

variable "stream_view_type" {
  description = "What the stream records: NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE or KEYS_ONLY."
  type        = string
  default     = "NEW_AND_OLD_IMAGES"

  validation {
    condition     = contains(["NEW_AND_OLD_IMAGES", "NEW_IMAGE", "OLD_IMAGE", "KEYS_ONLY"], var.stream_view_type)
    error_message = "stream_view_type must be NEW_AND_OLD_IMAGES, NEW_IMAGE, OLD_IMAGE or KEYS_ONLY."
  }
}

variable "ttl_attribute_name" {
  description = "Attribute holding the expiry Unix time in seconds; null disables TTL."
  type        = string
  default     = null

  validation {
    condition     = var.ttl_attribute_name == null || can(regex("^[A-Za-z0-9_.-]{1,255}$", var.ttl_attribute_name))
    error_message = "ttl_attribute_name must be an attribute name or null."
  }
}

variable "server_side_encryption_enabled" {
  description = "true: encrypt with a KMS key (aws/dynamodb, the AWS-managed key, unless kms_key_arn is set). false: the AWS-owned key."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key ARN; null with server_side_encryption_enabled uses aws/dynamodb."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "deletion_protection_enabled" {
  description = "Refuse DeleteTable while enabled (set true in prod)."
  type        = bool
  default     = false
}

variable "table_class" {
  description = "STANDARD or STANDARD_INFREQUENT_ACCESS."
  type        = string
  default     = "STANDARD"

  validation {
    condition     = contains(["STANDARD", "STANDARD_INFREQUENT_ACCESS"], var.table_class)
    error_message = "table_class must be STANDARD or STANDARD_INFREQUENT_ACCESS."
  }
}

variable "tags" {
  description = "Tags for the table (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
