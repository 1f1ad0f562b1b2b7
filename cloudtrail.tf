# CloudTrail (decision 17): management events plus S3 object-level data events for both payload buckets, with log
# file validation, into its own bucket encrypted with its own key. Off (enable_cloudtrail = false) where an
# organization trail already records this account.

locals {
  cloudtrail_name       = "${local.name}-audit"
  cloudtrail_arn        = "arn:${local.partition}:cloudtrail:${local.region}:${local.account_id}:trail/${local.cloudtrail_name}"
  cloudtrail_bucket     = "${local.account_id}-cloudtrail-${var.environment}"
  cloudtrail_bucket_arn = "arn:${local.partition}:s3:::${local.cloudtrail_bucket}"
}

data "aws_iam_policy_document" "cloudtrail_bucket" {
  statement {
    sid       = "CloudTrailAclCheck"
    actions   = ["s3:GetBucketAcl"]
    resources = [local.cloudtrail_bucket_arn]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.cloudtrail_arn]
    }
  }

  # Only this trail, only under this account's AWSLogs prefix.
  statement {
    sid       = "CloudTrailWrite"
    actions   = ["s3:PutObject"]
    resources = ["${local.cloudtrail_bucket_arn}/AWSLogs/${local.account_id}/*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.cloudtrail_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "s3:x-amz-acl"
      values   = ["bucket-owner-full-control"]
    }
  }
}

module "cloudtrail_bucket" {
  source = "./modules/s3-bucket"
  count  = var.enable_cloudtrail ? 1 : 0

  bucket             = local.cloudtrail_bucket
  force_destroy      = var.s3_force_destroy
  versioning_enabled = true
  policy_documents   = [data.aws_iam_policy_document.cloudtrail_bucket.json]

  lifecycle_rules = [
    {
      # Busy-region log files (S3 data events at 10,000+ webhooks/min) are large enough for Glacier Instant
      # Retrieval; the small files of quiet regions stay in Standard (GLACIER_IR bills at least 128 KB per object).
      id                       = "archive-audit-logs"
      object_size_greater_than = local.transition_filter_bytes
      transitions = [
        { days = 90, storage_class = "GLACIER_IR" },
      ]
    },
    {
      id                                 = "expire-audit-logs"
      expiration_days                    = var.cloudtrail_log_retention_days
      noncurrent_version_expiration_days = 30
    },
  ]
}

data "aws_iam_policy_document" "cloudtrail_key" {
  #checkov:skip=CKV_AWS_109:A key policy's Resource "*" means this key only; the account-root kms:* statement is AWS's default key policy, without which the key becomes unmanageable.
  #checkov:skip=CKV_AWS_111:Same key policy: "*" is this key, and service principals are constrained by aws:SourceAccount/aws:SourceArn conditions.
  #checkov:skip=CKV_AWS_356:Same key policy: in a KMS key policy "*" cannot name anything but the key itself.
  # Key policies need an administrator statement or the key becomes unmanageable; "*" here means "this key".
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudTrailEncrypts"
    actions   = ["kms:GenerateDataKey*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceArn"
      values   = [local.cloudtrail_arn]
    }

    condition {
      test     = "StringLike"
      variable = "kms:EncryptionContext:aws:cloudtrail:arn"
      values   = ["arn:${local.partition}:cloudtrail:*:${local.account_id}:trail/*"]
    }
  }

  statement {
    sid       = "CloudTrailDescribesKey"
    actions   = ["kms:DescribeKey"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["cloudtrail.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "cloudtrail" {
  count = var.enable_cloudtrail ? 1 : 0

  description             = "Encrypts the ${local.cloudtrail_name} CloudTrail log files."
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.cloudtrail_key.json
}

resource "aws_kms_alias" "cloudtrail" {
  count = var.enable_cloudtrail ? 1 : 0

  name          = "alias/${local.cloudtrail_name}"
  target_key_id = aws_kms_key.cloudtrail[0].key_id
}

resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV2_AWS_10:Delivery to CloudWatch Logs is not configured: the S3 bucket with log file validation is the audit record, and the payment alarms come from service metrics; add it if a SIEM reads CloudWatch.
  #checkov:skip=CKV_AWS_252:No SNS notification per delivered log file: nothing consumes it, and the file-level digest (log file validation) is the integrity control.
  count = var.enable_cloudtrail ? 1 : 0

  name                          = local.cloudtrail_name
  s3_bucket_name                = module.cloudtrail_bucket[0].bucket_id
  kms_key_id                    = aws_kms_key.cloudtrail[0].arn
  enable_log_file_validation    = true
  include_global_service_events = true
  is_multi_region_trail         = true

  event_selector {
    read_write_type           = var.cloudtrail_data_events_read_write_type
    include_management_events = true

    data_resource {
      type = "AWS::S3::Object"
      values = [
        "${module.raw_payloads_bucket.bucket_arn}/",
        "${module.transaction_logs_bucket.bucket_arn}/",
      ]
    }
  }

  # CloudTrail checks the bucket policy when the trail is created.
  depends_on = [module.cloudtrail_bucket]
}
