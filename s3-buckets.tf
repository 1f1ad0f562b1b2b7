# Raw payloads (as received, for compliance and debugging) and processed transaction logs (normalized). Both are
# SSE-S3, fully private, ACL-free and TLS-only (modules/s3-bucket). Lifecycle per decision 16: transitions only for
# objects large enough to pay for them (webhooks are 1-5 KB; see docs/terraform.md for the arithmetic), expiry for all.

locals {
  transition_filter_bytes = var.lifecycle_transition_min_object_size_bytes
}

module "raw_payloads_bucket" {
  source = "./modules/s3-bucket"

  bucket             = "${local.account_id}-webhook-payloads-${var.environment}"
  force_destroy      = var.s3_force_destroy
  versioning_enabled = false # the request: keys are unique per event id and written once
  # SSE-S3 by default; a customer-managed key when one is given (docs/security.md, PCI DSS v4 3.5.1.2).
  kms_key_arn = var.raw_payloads_kms_key_arn

  lifecycle_rules = [
    {
      # "Intelligent-Tiering immediately, Glacier after 90 days", for objects where a transition pays off.
      id                       = "tier-large-payloads"
      object_size_greater_than = local.transition_filter_bytes
      transitions = [
        { days = 0, storage_class = "INTELLIGENT_TIERING" },
        { days = var.raw_payload_glacier_transition_days, storage_class = "GLACIER" },
      ]
    },
    {
      id              = "expire-payloads"
      expiration_days = var.raw_payload_retention_days
    },
  ]
}

module "transaction_logs_bucket" {
  source = "./modules/s3-bucket"

  bucket             = "${local.account_id}-transaction-logs-${var.environment}"
  force_destroy      = var.s3_force_destroy
  versioning_enabled = true # the request: recover an overwritten or deleted processed log

  lifecycle_rules = [
    {
      # "Intelligent-Tiering immediately, Glacier after 180 days", for objects where a transition pays off.
      id                       = "tier-large-logs"
      object_size_greater_than = local.transition_filter_bytes
      transitions = [
        { days = 0, storage_class = "INTELLIGENT_TIERING" },
        { days = var.transaction_log_glacier_transition_days, storage_class = "GLACIER" },
      ]
    },
    {
      id                                 = "retain-logs"
      expiration_days                    = var.transaction_log_retention_days
      noncurrent_version_expiration_days = var.transaction_log_noncurrent_retention_days
    },
    {
      # Once the last version has expired, remove the delete marker left behind so it stops being listed.
      id                           = "remove-expired-delete-markers"
      expired_object_delete_marker = true
    },
  ]
}
