# Development. Full request/response data tracing is on (no real card data here).
environment = "dev"

# Shares an account with staging and prod (decision 1, amended): every account-wide name gets "-dev", and the
# region-wide API Gateway logging setting is left to prod (create_api_gateway_account_settings defaults to prod only).
name_suffix = "dev"

# Allow `tofu destroy` of a throwaway dev stack; prod keeps the table protected.
dynamodb_deletion_protection = false

# Delete secrets at once, so a destroyed dev stack can be re-created the same day: dev secrets hold sandbox keys only.
secret_recovery_window_in_days = 0

# Sandbox PayPal IPN postback.
paypal_ipn_verify_url = "https://ipnpb.sandbox.paypal.com/cgi-bin/webscr"
# Sandbox webhooks are signed with sandbox certificates; never in prod (docs/security.md).
paypal_trust_sandbox = true
# Our sandbox merchant accounts (ids or primary e-mails): IPNs to anyone else are not booked (decision 25).
paypal_ipn_receivers = []

alarm_email_addresses = []

tags = {
  CostCenter = "payments-dev"
}

# Dev traffic is sporadic: a provider-silent alarm would fire every night.
provider_silence_alarm_minutes = {}
