# Shared dependencies (requests, cryptography, Powertools, X-Ray SDK, the first-party webhook_core package) for every
# function. Each new zip publishes a new layer version; superseded versions stay published for rollback.
module "dependencies_layer" {
  source = "./modules/lambda-layer"

  layer_name               = "webhook-processor-dependencies${local.name_suffix}"
  description              = "Shared dependencies and webhook_core for the payment webhook functions (cp311, aarch64 wheels)."
  filename                 = local.layer_zip
  compatible_runtimes      = [var.lambda_runtime]
  compatible_architectures = ["arm64"]
  skip_destroy             = true
}
