output "table_name" {
  description = "Name of the table."
  value       = try(local.table.name, null)
}

output "table_arn" {
  description = "ARN of the table (append /index/* for its GSIs)."
  value       = try(local.table.arn, null)
}

output "stream_arn" {
  description = "ARN of the table's stream, or null when streams are off."
  value       = try(var.stream_enabled ? local.table.stream_arn : null, null)
}

output "billing_mode" {
  description = "Billing mode of the table."
  value       = try(local.table.billing_mode, null)
}

output "point_in_time_recovery_enabled" {
  description = "Whether point-in-time recovery is on."
  value       = try(local.table.point_in_time_recovery[0].enabled, null)
}

output "stream_view_type" {
  description = "Stream view type, or null when streams are off."
  value       = try(var.stream_enabled ? local.table.stream_view_type : null, null)
}

output "global_secondary_indexes" {
  description = "GSIs by name: hash_key, range_key and projection_type."
  value = try({
    for g in local.table.global_secondary_index : g.name => {
      hash_key        = g.hash_key
      range_key       = g.range_key
      projection_type = g.projection_type
    }
  }, null)
}

output "ttl_attribute_name" {
  description = "TTL attribute, or null when TTL is off."
  value       = var.ttl_attribute_name
}

output "server_side_encryption_enabled" {
  description = "Whether the table is encrypted with a KMS key (AWS-managed unless kms_key_arn is set)."
  value       = try(local.table.server_side_encryption[0].enabled, null)
}

output "autoscaling_targets" {
  description = "Application Auto Scaling targets by key (table-read, <gsi>-write, ...): resource_id, dimension, min and max. Empty on-demand."
  value = try({
    for k, t in aws_appautoscaling_target.this : k => {
      resource_id = t.resource_id
      dimension   = t.scalable_dimension
      min         = t.min_capacity
      max         = t.max_capacity
    }
  }, null)
}
