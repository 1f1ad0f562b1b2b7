output "function_name" {
  description = "Name of the function."
  value       = try(aws_lambda_function.this[0].function_name, null)
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = try(aws_lambda_function.this[0].arn, null)
}

output "invoke_arn" {
  description = "ARN for API Gateway integrations (apigateway ... /functions/<arn>/invocations)."
  value       = try(aws_lambda_function.this[0].invoke_arn, null)
}

output "role_arn" {
  description = "Execution role ARN the function runs with."
  value       = try(aws_lambda_function.this[0].role, null)
}

output "architectures" {
  description = "Instruction set architectures of the function (always [\"arm64\"])."
  value       = try(aws_lambda_function.this[0].architectures, null)
}

output "runtime" {
  description = "Runtime of the function."
  value       = try(aws_lambda_function.this[0].runtime, null)
}

output "memory_size" {
  description = "Memory in MB."
  value       = try(aws_lambda_function.this[0].memory_size, null)
}

output "timeout" {
  description = "Timeout in seconds."
  value       = try(aws_lambda_function.this[0].timeout, null)
}

output "tracing_mode" {
  description = "X-Ray tracing mode."
  value       = try(aws_lambda_function.this[0].tracing_config[0].mode, null)
}

output "layers" {
  description = "Layer version ARNs attached to the function."
  value       = try(aws_lambda_function.this[0].layers, null)
}

output "reserved_concurrent_executions" {
  description = "Reserved concurrency (-1 when unreserved)."
  value       = try(aws_lambda_function.this[0].reserved_concurrent_executions, null)
}

output "environment_variables" {
  description = "Environment variables of the function (names and ARNs only, never secrets)."
  value       = try(aws_lambda_function.this[0].environment[0].variables, {})
}

output "dead_letter_target_arn" {
  description = "DLQ target ARN, or null when the function has none."
  value       = try(aws_lambda_function.this[0].dead_letter_config[0].target_arn, null)
}

output "maximum_retry_attempts" {
  description = "Asynchronous retry attempts, or null when the invoke config is not managed."
  value       = try(aws_lambda_function_event_invoke_config.this[0].maximum_retry_attempts, null)
}

output "log_group_name" {
  description = "Name of the function's log group."
  value       = try(aws_cloudwatch_log_group.this[0].name, null)
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = try(aws_cloudwatch_log_group.this[0].arn, null)
}

output "log_retention_in_days" {
  description = "Retention of the function's log group in days."
  value       = try(aws_cloudwatch_log_group.this[0].retention_in_days, null)
}
