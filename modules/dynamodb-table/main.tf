# A DynamoDB table with GSIs, PITR, streams, TTL and SSE, on-demand by default. In PROVISIONED mode with autoscaling,
# the table is the `autoscaled` resource instead, which ignores capacity changes (Application Auto Scaling owns them):
# lifecycle.ignore_changes cannot be conditional, so the two modes need two resource blocks.

locals {
  provisioned  = var.billing_mode == "PROVISIONED"
  autoscaled   = local.provisioned && var.enable_autoscaling
  ttl_enabled  = var.ttl_attribute_name != null
  capacity_rcu = local.provisioned ? var.read_capacity : null
  capacity_wcu = local.provisioned ? var.write_capacity : null

  # Every scalable dimension: read and write for the table and for each GSI.
  autoscaling_targets = var.create && local.autoscaled ? merge(
    {
      for rw in ["Read", "Write"] : "table-${lower(rw)}" => {
        resource_id = "table/${var.name}"
        dimension   = "dynamodb:table:${rw}CapacityUnits"
        metric      = "DynamoDB${rw}CapacityUtilization"
      }
    },
    {
      for pair in setproduct([for g in var.global_secondary_indexes : g.name], ["Read", "Write"]) :
      "${pair[0]}-${lower(pair[1])}" => {
        resource_id = "table/${var.name}/index/${pair[0]}"
        dimension   = "dynamodb:index:${pair[1]}CapacityUnits"
        metric      = "DynamoDB${pair[1]}CapacityUtilization"
      }
    }
  ) : {}

  # Every setting of the table, written once for the two resource blocks below.
  settings = {
    name                           = var.name
    billing_mode                   = var.billing_mode
    hash_key                       = var.hash_key
    range_key                      = var.range_key
    read_capacity                  = local.capacity_rcu
    write_capacity                 = local.capacity_wcu
    stream_enabled                 = var.stream_enabled
    stream_view_type               = var.stream_enabled ? var.stream_view_type : null
    deletion_protection_enabled    = var.deletion_protection_enabled
    table_class                    = var.table_class
    tags                           = var.tags
    attributes                     = var.attributes
    global_secondary_indexes       = [for g in var.global_secondary_indexes : merge(g, { read_capacity = local.capacity_rcu, write_capacity = local.capacity_wcu })]
    point_in_time_recovery_enabled = var.point_in_time_recovery_enabled
    server_side_encryption_enabled = var.server_side_encryption_enabled
    kms_key_arn                    = var.kms_key_arn
    ttl                            = local.ttl_enabled ? [var.ttl_attribute_name] : []
  }

  # Whichever of the two table resources exists (null when var.create is false).
  table = local.autoscaled ? try(aws_dynamodb_table.autoscaled[0], null) : try(aws_dynamodb_table.this[0], null)
}

resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key aws/dynamodb (decision 17 and the request: "AWS managed"); var.kms_key_arn takes a customer-managed key where policy requires one.
  count = var.create && !local.autoscaled ? 1 : 0

  name                        = local.settings.name
  billing_mode                = local.settings.billing_mode
  hash_key                    = local.settings.hash_key
  range_key                   = local.settings.range_key
  read_capacity               = local.settings.read_capacity
  write_capacity              = local.settings.write_capacity
  stream_enabled              = local.settings.stream_enabled
  stream_view_type            = local.settings.stream_view_type
  deletion_protection_enabled = local.settings.deletion_protection_enabled
  table_class                 = local.settings.table_class
  tags                        = local.settings.tags

  dynamic "attribute" {
    for_each = local.settings.attributes

    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.settings.global_secondary_indexes

    content {
      name               = global_secondary_index.value.name
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.non_key_attributes
      read_capacity      = global_secondary_index.value.read_capacity
      write_capacity     = global_secondary_index.value.write_capacity
    }
  }

  point_in_time_recovery {
    enabled = local.settings.point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = local.settings.server_side_encryption_enabled
    kms_key_arn = local.settings.kms_key_arn
  }

  dynamic "ttl" {
    for_each = local.settings.ttl

    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }
}

# The same table, for PROVISIONED mode with autoscaling. Application Auto Scaling changes the capacities behind
# Terraform's back, so they must be in ignore_changes, and lifecycle blocks cannot be conditional: hence a second
# resource instead of one with a toggle (the pattern terraform-aws-modules/dynamodb-table uses too). Every value
# comes from local.settings, so the two cannot drift apart; only the block structure is repeated.
resource "aws_dynamodb_table" "autoscaled" {
  #checkov:skip=CKV_AWS_119:Encrypted with the AWS-managed key aws/dynamodb (decision 17 and the request: "AWS managed"); var.kms_key_arn takes a customer-managed key where policy requires one.
  count = var.create && local.autoscaled ? 1 : 0

  name                        = local.settings.name
  billing_mode                = local.settings.billing_mode
  hash_key                    = local.settings.hash_key
  range_key                   = local.settings.range_key
  read_capacity               = local.settings.read_capacity
  write_capacity              = local.settings.write_capacity
  stream_enabled              = local.settings.stream_enabled
  stream_view_type            = local.settings.stream_view_type
  deletion_protection_enabled = local.settings.deletion_protection_enabled
  table_class                 = local.settings.table_class
  tags                        = local.settings.tags

  dynamic "attribute" {
    for_each = local.settings.attributes

    content {
      name = attribute.value.name
      type = attribute.value.type
    }
  }

  dynamic "global_secondary_index" {
    for_each = local.settings.global_secondary_indexes

    content {
      name               = global_secondary_index.value.name
      hash_key           = global_secondary_index.value.hash_key
      range_key          = global_secondary_index.value.range_key
      projection_type    = global_secondary_index.value.projection_type
      non_key_attributes = global_secondary_index.value.non_key_attributes
      read_capacity      = global_secondary_index.value.read_capacity
      write_capacity     = global_secondary_index.value.write_capacity
    }
  }

  point_in_time_recovery {
    enabled = local.settings.point_in_time_recovery_enabled
  }

  server_side_encryption {
    enabled     = local.settings.server_side_encryption_enabled
    kms_key_arn = local.settings.kms_key_arn
  }

  dynamic "ttl" {
    for_each = local.settings.ttl

    content {
      enabled        = true
      attribute_name = ttl.value
    }
  }

  # Application Auto Scaling changes table and GSI capacity; without this every plan would reset it. The price: a
  # change to a GSI's definition in this mode must be applied with a one-off edit of this list.
  lifecycle {
    ignore_changes = [read_capacity, write_capacity, global_secondary_index]
  }
}

resource "aws_appautoscaling_target" "this" {
  for_each = local.autoscaling_targets

  service_namespace  = "dynamodb"
  resource_id        = each.value.resource_id
  scalable_dimension = each.value.dimension
  min_capacity       = var.autoscaling_min_capacity
  max_capacity       = var.autoscaling_max_capacity

  depends_on = [aws_dynamodb_table.autoscaled]
}

resource "aws_appautoscaling_policy" "this" {
  for_each = local.autoscaling_targets

  name               = "${var.name}-${each.key}-target-tracking"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.autoscaling_target_utilization

    predefined_metric_specification {
      predefined_metric_type = each.value.metric
    }
  }
}
