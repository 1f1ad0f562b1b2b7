output "bucket_id" {
  description = "Name (id) of the bucket."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_arn" {
  description = "ARN of the bucket (append /* for its objects)."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "sse_algorithm" {
  description = "Default encryption algorithm (AES256: SSE-S3; aws:kms: SSE-KMS with kms_key_arn)."
  value       = one(flatten([for r in aws_s3_bucket_server_side_encryption_configuration.this.rule : r.apply_server_side_encryption_by_default[*].sse_algorithm]))
}

output "public_access_block" {
  description = "The four public access block settings."
  value = {
    block_public_acls       = aws_s3_bucket_public_access_block.this.block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this.block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this.ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this.restrict_public_buckets
  }
}

output "object_ownership" {
  description = "Object ownership setting (BucketOwnerEnforced: ACLs disabled)."
  value       = one([for r in aws_s3_bucket_ownership_controls.this.rule : r.object_ownership])
}

output "versioning_status" {
  description = "Versioning status: Enabled or Disabled."
  value       = one(aws_s3_bucket_versioning.this.versioning_configuration[*].status)
}

output "policy_json" {
  description = "The bucket policy document (TLS-only deny plus the caller's statements)."
  value       = data.aws_iam_policy_document.this.json
}

output "lifecycle_rules" {
  description = "Lifecycle rules as passed in (with defaults applied), for checks and documentation."
  value       = var.lifecycle_rules
}
