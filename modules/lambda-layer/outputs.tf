output "arn" {
  description = "ARN of this layer version (what functions attach)."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer without a version."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number of this layer version."
  value       = aws_lambda_layer_version.this.version
}

output "compatible_architectures" {
  description = "Architectures the layer version is compatible with."
  value       = aws_lambda_layer_version.this.compatible_architectures
}

output "compatible_runtimes" {
  description = "Runtimes the layer version is compatible with."
  value       = aws_lambda_layer_version.this.compatible_runtimes
}

output "code_sha256" {
  description = "SHA-256 of the layer zip as Lambda reports it."
  value       = aws_lambda_layer_version.this.code_sha256
}
