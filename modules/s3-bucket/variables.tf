variable "create" {
  description = "Create the module's resources (false creates nothing; every output is then null)."
  type        = bool
  default     = true
}

variable "bucket" {
  description = "Globally unique bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be 3-63 characters of lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit."
  }
}

variable "force_destroy" {
  description = "Allow `destroy` to delete a non-empty bucket. Keep false wherever the bucket holds compliance data."
  type        = bool
  default     = false
}

variable "versioning_enabled" {
  description = "Enable versioning (true) or leave a new bucket unversioned (false). Once enabled, versioning can only be suspended, not disabled."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for default encryption (SSE-KMS with a bucket key). null keeps SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null ? true : can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "policy_documents" {
  description = "Extra IAM policy JSON documents merged into the bucket policy (e.g. CloudTrail's delivery statements); the TLS-only deny is always added."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for d in var.policy_documents : can(jsondecode(d))])
    error_message = "Every policy_documents entry must be a JSON document."
  }
}

variable "lifecycle_rules" {
  description = <<-EOT
    Lifecycle rules. Each: id, enabled (default true), optional prefix and object_size_greater_than (bytes) filters,
    transitions [{days, storage_class}], expiration_days, expired_object_delete_marker, noncurrent_version_transitions
    [{days, storage_class}], noncurrent_version_expiration_days. Incomplete multipart uploads are always aborted
    (abort_incomplete_multipart_upload_days).
  EOT
  type = list(object({
    id                                 = string
    enabled                            = optional(bool, true)
    prefix                             = optional(string)
    object_size_greater_than           = optional(number)
    transitions                        = optional(list(object({ days = number, storage_class = string })), [])
    expiration_days                    = optional(number)
    expired_object_delete_marker       = optional(bool)
    noncurrent_version_transitions     = optional(list(object({ days = number, storage_class = string })), [])
    noncurrent_version_expiration_days = optional(number)
  }))
  default = []

  validation {
    condition = alltrue(flatten([
      for r in var.lifecycle_rules : [
        for t in concat(r.transitions, r.noncurrent_version_transitions) :
        contains(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"], t.storage_class) && t.days >= 0
      ]
    ]))
    error_message = "Transition storage_class must be STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER or DEEP_ARCHIVE, with days >= 0."
  }

  validation {
    condition     = alltrue([for r in var.lifecycle_rules : r.expiration_days == null || r.expired_object_delete_marker == null])
    error_message = "A rule sets either expiration_days or expired_object_delete_marker, not both."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an unfinished multipart upload is aborted and its parts deleted (a rule on every bucket)."
  type        = number
  default     = 1

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags for the bucket (merged with the provider's default_tags)."
  type        = map(string)
  default     = {}
}
