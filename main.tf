# Root module of the payment webhook stack, applied once per environment (decision 1):
#   tofu init -backend-config=environments/backend/<env>.s3.tfbackend
#   tofu apply -var-file=environments/<env>.tfvars
#
# Resources are split by concern, as the original request lists the files:
#   api-gateway.tf         REST API, stage, usage plans (modules/api-gateway) and the account's CloudWatch role setting
#   lambda-validators.tf   one validator per entry of var.webhook_providers (modules/lambda-function)
#   lambda-processor.tf    the processor, its retries and DLQ
#   lambda-query.tf        the transaction query function
#   lambda-authorizer.tf   the request authorizer that supplies usage-plan API keys (decision 12)
#   lambda-layers.tf       the shared dependency layer (modules/lambda-layer)
#   dynamodb.tf            webhook-transactions (modules/dynamodb-table)
#   s3-buckets.tf          raw payloads and processed logs (modules/s3-bucket)
#   processed-log.tf       processed-log delivery: S3 object per event, or a Firehose stream (docs/scaling.md)
#   sqs.tf, sns.tf         the DLQ and the alarm topic
#   secrets.tf             the provider signing secrets (containers only: no values in state)
#   iam-roles.tf           one least-privilege role per function, and API Gateway's logging role
#   cloudwatch-logs.tf     API log groups and metric filters; cloudwatch-alarms.tf every alarm
#   eventbridge.tf         the outbox: every new record from the table's stream to an EventBridge bus (docs/events.md)
#   xray.tf, cloudtrail.tf sampling rule and audit trail, each behind a toggle
#   data.tf                data sources and derived names; variables.tf inputs; outputs.tf outputs
