# The transactions table (docs/design.md): one item per provider event, keyed by transaction and event time, with
# GSIs for "all Stripe transactions in the last hour" and "all transactions of customer X".

locals {
  # provider_shards = 1 keeps the request's ProviderTimestampIndex (provider + timestamp). Above 1 the index is keyed
  # by provider_shard ("stripe#3"), which the processor writes on every item, so that one provider's writes spread
  # over several GSI partitions (docs/scaling.md). Changing the key rebuilds the index from the items.
  provider_index_hash_key = var.provider_shards > 1 ? "provider_shard" : "provider"
}
module "transactions_table" {
  source = "./modules/dynamodb-table"

  name      = "${var.dynamodb_table_name}${local.name_suffix}"
  hash_key  = "transaction_id"
  range_key = "timestamp"

  # Only key attributes are declared; provider, amount, status, metadata... are schemaless item attributes.
  attributes = [
    { name = "transaction_id", type = "S" },
    { name = "timestamp", type = "N" },
    { name = local.provider_index_hash_key, type = "S" },
    { name = "customer_id", type = "S" },
  ]

  global_secondary_indexes = [
    { name = "ProviderTimestampIndex", hash_key = local.provider_index_hash_key, range_key = "timestamp", projection_type = "ALL" },
    { name = "CustomerIndex", hash_key = "customer_id", range_key = "timestamp", projection_type = "ALL" },
  ]

  billing_mode                   = var.dynamodb_billing_mode
  enable_autoscaling             = true
  autoscaling_target_utilization = var.dynamodb_autoscaling.target_utilization
  autoscaling_min_capacity       = var.dynamodb_autoscaling.min_capacity
  autoscaling_max_capacity       = var.dynamodb_autoscaling.max_capacity
  read_capacity                  = var.dynamodb_autoscaling.min_capacity
  write_capacity                 = var.dynamodb_autoscaling.min_capacity

  point_in_time_recovery_enabled = true
  stream_enabled                 = true
  stream_view_type               = "NEW_AND_OLD_IMAGES"
  ttl_attribute_name             = var.transaction_ttl_attribute
  server_side_encryption_enabled = true
  deletion_protection_enabled    = var.dynamodb_deletion_protection
}
