# The same configuration as .tflint.hcl plus the AWS ruleset (invalid instance types, runtimes, names...). Used by
# devtools/bin/run-tests only when the bootstrap could install tflint-ruleset-aws (the Go proxy does not serve it
# here, so today .tflint.hcl runs instead). Keep the two files identical apart from the aws plugin block.

config {
  call_module_type = "local"
  force            = false
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}

plugin "aws" {
  enabled = true
  version = "0.40.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"

  # Only static checks: never call AWS APIs from the linter.
  deep_check = false
}

rule "terraform_naming_convention" {
  enabled = true
  format  = "snake_case"
}

rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_typed_variables" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}

rule "terraform_unused_declarations" {
  enabled = true
}
