output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "invoke_arn" {
  description = "ARN for API Gateway integrations (apigateway ... /functions/<arn>/invocations)."
  value       = aws_lambda_function.this.invoke_arn
}

output "role_arn" {
  description = "Execution role ARN the function runs with."
  value       = aws_lambda_function.this.role
}

output "architectures" {
  description = "Instruction set architectures of the function (always [\"arm64\"])."
  value       = aws_lambda_function.this.architectures
}

output "runtime" {
  description = "Runtime of the function."
  value       = aws_lambda_function.this.runtime
}

output "memory_size" {
  description = "Memory in MB."
  value       = aws_lambda_function.this.memory_size
}

output "timeout" {
  description = "Timeout in seconds."
  value       = aws_lambda_function.this.timeout
}

output "tracing_mode" {
  description = "X-Ray tracing mode."
  value       = aws_lambda_function.this.tracing_config[0].mode
}

output "layers" {
  description = "Layer version ARNs attached to the function."
  value       = aws_lambda_function.this.layers
}

output "reserved_concurrent_executions" {
  description = "Reserved concurrency (-1 when unreserved)."
  value       = aws_lambda_function.this.reserved_concurrent_executions
}

output "environment_variables" {
  description = "Environment variables of the function (names and ARNs only, never secrets)."
  value       = try(aws_lambda_function.this.environment[0].variables, {})
}

output "dead_letter_target_arn" {
  description = "DLQ target ARN, or null when the function has none."
  value       = try(aws_lambda_function.this.dead_letter_config[0].target_arn, null)
}

output "maximum_retry_attempts" {
  description = "Asynchronous retry attempts, or null when the invoke config is not managed."
  value       = try(aws_lambda_function_event_invoke_config.this[0].maximum_retry_attempts, null)
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_retention_in_days" {
  description = "Retention of the function's log group in days."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}
