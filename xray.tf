# X-Ray sampling (decision 14). Sampling is decided when a request enters API Gateway, before anyone knows whether it
# will fail, so "100% of errors" cannot be a sampling rule: errors are always visible through the metrics and log
# lines, which carry the trace id (xrayTraceId in the access log). This rule keeps 1 trace per second plus 10% of the
# rest for this API's stage; the downstream functions follow API Gateway's decision through the trace header.
locals {
  # Rule names are account-wide and at most 32 characters. Cutting a longer <project>-<environment> would give every
  # environment of a long project_name the same rule, so a longer name keeps its start and a hash of the whole.
  xray_rule_name = length(local.name) <= 32 ? local.name : "${substr(local.name, 0, 23)}-${substr(sha1(local.name), 0, 8)}"
}

resource "aws_xray_sampling_rule" "this" {
  count = var.enable_xray_sampling_rule ? 1 : 0

  rule_name      = local.xray_rule_name
  priority       = var.xray_sampling.priority
  version        = 1
  reservoir_size = var.xray_sampling.reservoir_size
  fixed_rate     = var.xray_sampling.fixed_rate

  # API Gateway reports its service as "<api name>/<stage>".
  service_name = "${local.name}/${var.environment}"
  service_type = "*"
  host         = "*"
  http_method  = "*"
  url_path     = "*"
  resource_arn = "*"
}
