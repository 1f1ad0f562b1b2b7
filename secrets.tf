# Provider signing secrets (docs/design.md for the JSON formats). Terraform creates the containers only: there is no
# aws_secretsmanager_secret_version, so no secret value ever enters the plan or the state. Operators put the values
# with `aws secretsmanager put-secret-value` (environments/README.md). Rotation is manual: the providers issue them.
resource "aws_secretsmanager_secret" "provider" {
  #checkov:skip=CKV_AWS_149:Encrypted with the AWS-managed key aws/secretsmanager (decision 17); only the validator roles read it, through an identity policy scoped to this secret.
  #checkov:skip=CKV2_AWS_57:Rotation is manual by design (the request): the provider generates the signing secret, so there is no rotation Lambda to run; validators re-read the secret on a signature mismatch (decision 11).
  for_each = var.webhook_providers

  name                    = "webhook-processor${local.name_suffix}/${each.key}/secret"
  description             = "Webhook signing secret of ${each.key} (JSON, see docs/design.md). Value set out of band, never by Terraform."
  recovery_window_in_days = var.secret_recovery_window_in_days
}
