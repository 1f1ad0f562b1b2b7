terraform {
  # Terraform 1.5 language only (decision 20); validated and tested with OpenTofu.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.76, < 6.0"
    }
  }

  # No backend block here: the local stack and CI run `init -backend=false`, which a declared backend would break.
  # Deployments add one from environments/backend/backend.tf.example (see environments/README.md).
}
