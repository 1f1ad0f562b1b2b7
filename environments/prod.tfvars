# Production (us-east-1): its own account (decision 1).
environment = "prod"

# Never log request/response bodies in prod: they carry payment data (decision 13). null would mean the same here;
# it is explicit so a review sees it.
api_data_trace_enabled = false

dynamodb_deletion_protection   = true
secret_recovery_window_in_days = 30

# 7-year retention for PCI (the defaults, stated for the record).
raw_payload_retention_days     = 2557
transaction_log_retention_days = 2557

# Our PayPal merchant account ids / primary e-mails: until set, every IPN is refused (5xx, PayPal retries), because
# a VERIFIED IPN may pay someone else's account (decision 25).
paypal_ipn_receivers = []

# Set to false if an AWS Organizations trail already records this account (decision 17).
enable_cloudtrail = true

# Replace with the on-call distribution list; pagers subscribe to the alarm_topic_arn output.
alarm_email_addresses = ["payments-oncall@example.com"]

tags = {
  CostCenter = "payments-prod"
}

# The processed log batched by Kinesis Data Firehose instead of one S3 PUT per event: the cost model (webhookctl
# capacity) saves about $5.7 per million webhooks at 10,000/min; processed objects appear after the buffer interval,
# and DynamoDB stays the system of record. Why, and the break-even rate: docs/scaling.md.
processed_log_delivery = "firehose"
