# Staging: production-shaped, sandbox provider credentials, its own account (decision 1).
environment = "staging"

# May share an account with dev and prod: every account-wide name gets "-staging" (docs/terraform.md).
name_suffix = "staging"

dynamodb_deletion_protection   = true
secret_recovery_window_in_days = 30

paypal_ipn_verify_url = "https://ipnpb.sandbox.paypal.com/cgi-bin/webscr"
# Sandbox webhooks are signed with sandbox certificates; never in prod (docs/security.md).
paypal_trust_sandbox = true
# Our sandbox merchant accounts (ids or primary e-mails): IPNs to anyone else are not booked (decision 25).
paypal_ipn_receivers = []

# Replace with the team's distribution list; every address must confirm the SNS subscription.
alarm_email_addresses = ["payments-staging-alerts@example.com"]

tags = {
  CostCenter = "payments-staging"
}
