# Staging: production-shaped, sandbox provider credentials, its own account (decision 1).
environment = "staging"

# May share an account with dev and prod: every account-wide name gets "-staging" (docs/terraform.md).
name_suffix = "staging"

dynamodb_deletion_protection   = true
secret_recovery_window_in_days = 30

paypal_ipn_verify_url = "https://ipnpb.sandbox.paypal.com/cgi-bin/webscr"

# Replace with the team's distribution list; every address must confirm the SNS subscription.
alarm_email_addresses = ["payments-staging-alerts@example.com"]

tags = {
  CostCenter = "payments-staging"
}
