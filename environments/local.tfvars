# The local stack: `make up` applies the root module into a moto server (decision 21). The local runtime also passes
# paypal_cert_ca_bundle and may override the PayPal values below with its own ports.
environment = "local"

# Account-wide or unsupported by moto: leave them to real accounts.
enable_cloudtrail                   = false
create_api_gateway_account_settings = false
enable_xray_sampling_rule           = false

# Throwaway state: allow teardown and immediate secret deletion.
dynamodb_deletion_protection   = false
s3_force_destroy               = true
secret_recovery_window_in_days = 0

# The PayPal stub serves certificates and the IPN postback over https from localhost.
paypal_cert_allowed_hosts = "api.paypal.com,api-m.paypal.com,localhost"
paypal_ipn_verify_url     = "https://localhost:45663/cgi-bin/webscr"
# The receiver of the IPN samples (devtools/webhookdev/samples/data/paypal/ipn_*.txt).
paypal_ipn_receivers = ["S8XGHLYDW9T3S", "seller.ipn@example.com"]

# What the local gateway serves and what the Square test client signs.
square_notification_url = "http://127.0.0.1:45661/local/api/v1/webhooks/square"

# The local stack keeps the API-key mode so that .local/stack.json's query_api_key works (dev/staging/prod: AWS_IAM).
query_api_authorization = "API_KEY"
