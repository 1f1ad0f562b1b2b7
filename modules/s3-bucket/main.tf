# A private S3 bucket: SSE-S3 (AES256) or SSE-KMS with a customer-managed key, all four public access blocks, BucketOwnerEnforced (ACLs disabled), a
# TLS-only bucket policy (plus the caller's statements), optional versioning and lifecycle rules.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:Object-level access is audited by CloudTrail S3 data events (cloudtrail.tf, decision 17); server access logs would duplicate that into yet another bucket.
  #checkov:skip=CKV_AWS_144:Single-region by design (us-east-1); durability is S3's 11 nines, and cross-region replication of 7 years of payloads doubles storage cost. Add replication if a DR region is mandated.
  #checkov:skip=CKV_AWS_145:SSE-S3 is the mandated encryption (requirement 5); SSE-KMS would add a KMS request per object at 10,000+ writes per minute.
  #checkov:skip=CKV2_AWS_62:Nothing consumes object-created events: the validator invokes the processor directly (design.md).
  #checkov:skip=CKV_AWS_21:Versioning is per caller (var.versioning_enabled): on for processed logs and audit logs, off for raw payloads as the request says (keys are unique per event id and written once).
  count = var.create ? 1 : 0

  bucket        = var.bucket
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # One data key per bucket, not per object: keeps KMS requests (and cost) flat at 10,000+ writes per minute.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    # "Disabled" leaves a new bucket unversioned. A bucket that was ever versioned can only be suspended: set that
    # by hand, switching an enabled bucket back to false fails by design.
    status = var.versioning_enabled ? "Enabled" : "Disabled"
  }
}

data "aws_iam_policy_document" "this" {
  count = var.create ? 1 : 0

  source_policy_documents = var.policy_documents

  # Payment data must never travel in clear text (PCI DSS 4.2.1).
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this[0].arn,
      "${aws_s3_bucket.this[0].arn}/*",
    ]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.this[0].json

  # Applying a policy while the public access block is still being written can fail; order them.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  #checkov:skip=CKV_AWS_300:The first rule below aborts incomplete multipart uploads for every object; checkov 3.3 discards static rule blocks when dynamic rule blocks sit next to them, so it never sees it (tests assert it).
  count = var.create ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  # Every bucket: parts of an abandoned multipart upload are billed but invisible, so clean them up.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  dynamic "rule" {
    for_each = var.lifecycle_rules

    content {
      id     = rule.value.id
      status = rule.value.enabled ? "Enabled" : "Disabled"

      # S3 takes one filter condition, or several inside `and`.
      filter {
        prefix                   = rule.value.prefix != null && rule.value.object_size_greater_than != null ? null : rule.value.prefix
        object_size_greater_than = rule.value.prefix != null && rule.value.object_size_greater_than != null ? null : rule.value.object_size_greater_than

        dynamic "and" {
          for_each = rule.value.prefix != null && rule.value.object_size_greater_than != null ? [rule.value] : []

          content {
            prefix                   = and.value.prefix
            object_size_greater_than = and.value.object_size_greater_than
          }
        }
      }

      dynamic "transition" {
        for_each = rule.value.transitions

        content {
          days          = transition.value.days
          storage_class = transition.value.storage_class
        }
      }

      dynamic "expiration" {
        for_each = rule.value.expiration_days != null || rule.value.expired_object_delete_marker != null ? [rule.value] : []

        content {
          days                         = expiration.value.expiration_days
          expired_object_delete_marker = expiration.value.expired_object_delete_marker
        }
      }

      dynamic "noncurrent_version_transition" {
        for_each = rule.value.noncurrent_version_transitions

        content {
          noncurrent_days = noncurrent_version_transition.value.days
          storage_class   = noncurrent_version_transition.value.storage_class
        }
      }

      dynamic "noncurrent_version_expiration" {
        for_each = rule.value.noncurrent_version_expiration_days == null ? [] : [rule.value.noncurrent_version_expiration_days]

        content {
          noncurrent_days = noncurrent_version_expiration.value
        }
      }
    }
  }

  # Lifecycle rules on a versioned bucket must follow the versioning configuration.
  depends_on = [aws_s3_bucket_versioning.this]
}
