output "bucket_id" {
  description = "Name (id) of the bucket."
  value       = try(aws_s3_bucket.this[0].bucket, null)
}

output "bucket_arn" {
  description = "ARN of the bucket (append /* for its objects)."
  value       = try(aws_s3_bucket.this[0].arn, null)
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = try(aws_s3_bucket.this[0].bucket_regional_domain_name, null)
}

output "sse_algorithm" {
  description = "Default encryption algorithm (AES256: SSE-S3; aws:kms: SSE-KMS with kms_key_arn)."
  value       = try(one(flatten([for r in aws_s3_bucket_server_side_encryption_configuration.this[0].rule : r.apply_server_side_encryption_by_default[*].sse_algorithm])), null)
}

output "public_access_block" {
  description = "The four public access block settings."
  value = try({
    block_public_acls       = aws_s3_bucket_public_access_block.this[0].block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this[0].block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this[0].ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this[0].restrict_public_buckets
  }, null)
}

output "object_ownership" {
  description = "Object ownership setting (BucketOwnerEnforced: ACLs disabled)."
  value       = try(one([for r in aws_s3_bucket_ownership_controls.this[0].rule : r.object_ownership]), null)
}

output "versioning_status" {
  description = "Versioning status: Enabled or Disabled."
  value       = try(one(aws_s3_bucket_versioning.this[0].versioning_configuration[*].status), null)
}

output "policy_json" {
  description = "The bucket policy document (TLS-only deny plus the caller's statements)."
  value       = try(data.aws_iam_policy_document.this[0].json, null)
}

output "lifecycle_rules" {
  description = "Lifecycle rules as passed in (with defaults applied), for checks and documentation."
  value       = try(var.lifecycle_rules, null)
}
