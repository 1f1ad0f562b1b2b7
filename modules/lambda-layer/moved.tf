# `create` (terraform-aws-modules style) put these behind count: state moves to [0] without a replacement.

moved {
  from = aws_lambda_layer_version.this
  to   = aws_lambda_layer_version.this[0]
}
