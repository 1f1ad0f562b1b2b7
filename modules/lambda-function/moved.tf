# `create` (terraform-aws-modules style) put these behind count: state moves to [0] without a replacement.

moved {
  from = aws_cloudwatch_log_group.this
  to   = aws_cloudwatch_log_group.this[0]
}

moved {
  from = aws_lambda_function.this
  to   = aws_lambda_function.this[0]
}
