provider "aws" {
  region = var.aws_region

  # Offline plans (var.offline_account_id): no STS, no region or credential checks, so mock credentials suffice.
  skip_credentials_validation = var.offline_account_id != null
  skip_requesting_account_id  = var.offline_account_id != null
  skip_region_validation      = var.offline_account_id != null

  # Every taggable resource carries these; resources add only what is specific to them.
  default_tags {
    tags = merge(
      {
        Project     = var.project_name
        Environment = var.environment
        ManagedBy   = "terraform"
        DataClass   = "payment"
      },
      var.tags,
    )
  }
}
