# One validator per provider (decision 7): the same implementation, configured by PROVIDER_NAME and the provider's
# settings. Adding a provider is an entry in var.webhook_providers plus its plug-in, handler dir and schema.

locals {
  # Provider-specific settings (docs/design.md); a provider without an entry gets none.
  provider_environment = {
    stripe = {
      STRIPE_TOLERANCE_SECONDS = tostring(var.stripe_tolerance_seconds)
    }
    paypal = merge(
      {
        PAYPAL_CERT_ALLOWED_HOSTS             = var.paypal_cert_allowed_hosts
        PAYPAL_IPN_VERIFY_URL                 = var.paypal_ipn_verify_url
        PAYPAL_IPN_RECEIVERS                  = join(",", var.paypal_ipn_receivers)
        PAYPAL_TRANSMISSION_TOLERANCE_SECONDS = tostring(var.paypal_transmission_tolerance_seconds)
        # Sandbox certificates never count in prod, whatever the variable says (the code checks ENVIRONMENT too).
        PAYPAL_TRUST_SANDBOX = tostring(var.paypal_trust_sandbox && var.environment != "prod")
      },
      var.paypal_cert_ca_bundle == null ? {} : { PAYPAL_CERT_CA_BUNDLE = var.paypal_cert_ca_bundle },
    )
    square = {
      # Fallback only: the square_notification_url stage variable wins (decision 1).
      SQUARE_NOTIFICATION_URL = local.square_notification_url
    }
  }
}

module "validators" {
  source   = "./modules/lambda-function"
  for_each = var.webhook_providers

  function_name = local.validator_function_names[each.key]
  description   = "Verifies ${each.key} webhook signatures, stores the raw payload and hands the event to the processor."
  role_arn      = aws_iam_role.validator[each.key].arn
  runtime       = var.lambda_runtime
  memory_size   = var.validator_memory_size
  timeout       = var.validator_timeout
  filename      = "${local.artifacts_dir}/functions/${each.key}-validator.zip"
  layers        = [module.dependencies_layer.arn]

  log_retention_in_days = var.log_retention_days.validators

  environment_variables = merge(
    local.common_function_environment,
    {
      PROVIDER_NAME           = each.key
      PROVIDER_SECRET_ARN     = aws_secretsmanager_secret.provider[each.key].arn
      DYNAMODB_TABLE          = module.transactions_table.table_name
      S3_BUCKET               = module.raw_payloads_bucket.bucket_id
      PROCESSOR_FUNCTION_ARN  = module.processor.function_arn
      POWERTOOLS_SERVICE_NAME = local.validator_function_names[each.key]
    },
    lookup(local.provider_environment, each.key, {}),
    var.raw_payloads_kms_key_arn == null ? {} : { RAW_PAYLOADS_KMS_KEY_ARN = var.raw_payloads_kms_key_arn },
    each.value.extra_environment,
  )

  # The role must be able to write logs and traces from the first invocation.
  depends_on = [aws_iam_role_policy.validator]
}
