#!/usr/bin/env bash
# Prints the shell exports that put the cached toolchain first on PATH: eval "$(make -s env)".
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)
source "$here/toolchain.env"
cache=${WEBHOOKS_CACHE:-$HOME/.cache/payment-webhooks}
cat <<ENV
export WEBHOOKS_CACHE="$cache"
export VIRTUAL_ENV="$cache/venv"
export PATH="$here/bin:$cache/venv/bin:$cache/opentofu-$OPENTOFU_VERSION:$cache/tflint-$TFLINT_VERSION:$cache/terraform-docs-$TERRAFORM_DOCS_VERSION:$cache/checkov-$CHECKOV_VERSION/bin:\$PATH"
# Both Terraform builds are called by path (never on PATH, so \`terraform\` stays whatever the user has).
export TERRAFORM_MIN="$cache/terraform-$TERRAFORM_MIN_VERSION/terraform"
export TERRAFORM_MAX="$cache/terraform-$TERRAFORM_MAX_VERSION/terraform"
export PYTHONPATH="$repo/lambda/shared:$here\${PYTHONPATH:+:\$PYTHONPATH}"
export TF_CLI_CONFIG_FILE="$cache/tofu.rc"
export TFLINT_PLUGIN_DIR="$cache/tflint-plugins"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
ENV
