# A versioned Lambda layer. Each new zip (new sha256) publishes a new version; with skip_destroy the previous version
# stays published, so a function can be rolled back to the configuration that used it.
resource "aws_lambda_layer_version" "this" {
  count = var.create ? 1 : 0

  layer_name               = var.layer_name
  description              = var.description
  filename                 = var.filename
  source_code_hash         = filebase64sha256(var.filename)
  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = var.compatible_architectures
  license_info             = var.license_info
  skip_destroy             = var.skip_destroy
}
