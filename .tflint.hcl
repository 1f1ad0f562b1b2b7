# tflint for the root module and modules/* (`tflint --config "$PWD/.tflint.hcl" --recursive`).
# Only the bundled terraform ruleset: the AWS ruleset cannot be fetched here (see .tflint.aws.hcl).

config {
  call_module_type = "local"
  force            = false
}

plugin "terraform" {
  enabled = true
  preset  = "all"
}

# snake_case everywhere (the style guide), stated explicitly rather than left to the preset.
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
