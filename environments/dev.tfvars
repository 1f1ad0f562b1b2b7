# Development: a separate account (decision 1). Full request/response data tracing is on (no real card data here).
environment = "dev"

# Allow `tofu destroy` of a throwaway dev stack; prod keeps the table protected.
dynamodb_deletion_protection = false

# Shorter recovery window: dev secrets hold sandbox keys only.
secret_recovery_window_in_days = 7

# Sandbox PayPal IPN postback.
paypal_ipn_verify_url = "https://ipnpb.sandbox.paypal.com/cgi-bin/webscr"

alarm_email_addresses = []

tags = {
  CostCenter = "payments-dev"
}

# Dev traffic is sporadic: a provider-silent alarm would fire every night.
provider_silence_alarm_minutes = {}
