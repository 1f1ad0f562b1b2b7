output "arn" {
  description = "ARN of this layer version (what functions attach)."
  value       = try(aws_lambda_layer_version.this[0].arn, null)
}

output "layer_name" {
  description = "Name of the layer."
  value       = try(aws_lambda_layer_version.this[0].layer_name, null)
}

output "layer_arn" {
  description = "ARN of the layer without a version."
  value       = try(aws_lambda_layer_version.this[0].layer_arn, null)
}

output "version" {
  description = "Version number of this layer version."
  value       = try(aws_lambda_layer_version.this[0].version, null)
}

output "compatible_architectures" {
  description = "Architectures the layer version is compatible with."
  value       = try(aws_lambda_layer_version.this[0].compatible_architectures, null)
}

output "compatible_runtimes" {
  description = "Runtimes the layer version is compatible with."
  value       = try(aws_lambda_layer_version.this[0].compatible_runtimes, null)
}

output "code_sha256" {
  description = "SHA-256 of the layer zip as Lambda reports it."
  value       = try(aws_lambda_layer_version.this[0].code_sha256, null)
}
