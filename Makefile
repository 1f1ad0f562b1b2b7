# Entry points. Every target installs what it needs (make tools is cached and idempotent).
SHELL := /bin/bash
.DEFAULT_GOAL := help
ENV := eval "$$(devtools/bin/env.sh)"

.PHONY: help tools python-tools env build layer test lint fmt docs up down demo bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

tools: ## Build or reuse the offline toolchain (OpenTofu, Terraform 1.5.7 + 1.8.5, hashicorp/aws, tflint, terraform-docs, checkov, Python venv)
	@devtools/bin/bootstrap

python-tools: ## Only the Python venv (Python 3.11, no Go): all `make build` needs
	@devtools/bin/bootstrap --python-only

env: ## Print shell exports for the toolchain: eval "$(make -s env)"
	@devtools/bin/env.sh

build: python-tools ## Build the function zips and the arm64 dependency layer (deterministic) into build/
	@$(ENV) && python -m webhookdev.build

layer: python-tools ## Build only the dependency layer zip; prints its path last
	@$(ENV) && python -m webhookdev.build --layer-only

test: tools ## Run every check: lint, types, unit, Terraform (fmt/validate/test/tflint/checkov), end to end
	@$(ENV) && devtools/bin/run-tests

lint: tools ## Only the fast static checks (ruff, mypy, tofu fmt, doc checks)
	@$(ENV) && devtools/bin/run-tests --only ruff,mypy,fmt,docs

fmt: tools ## Format Terraform and Python in place
	@$(ENV) && tofu fmt -recursive && ruff format --config devtools/pyproject.toml lambda devtools tests

docs: tools ## Regenerate the module READMEs' terraform-docs sections (docs/contributing.md)
	@$(ENV) && for m in modules/*/; do terraform-docs --config .terraform-docs.yml "$$m"; done

up: tools build ## Start the local stack (moto + local API Gateway/Lambda runtime) and apply the Terraform into it
	@$(ENV) && python -m webhookdev.local up

down: ## Stop everything `make up` started
	@$(ENV) && python -m webhookdev.local down

demo: tools build ## Run the local stack end to end with a narrated tour, then stop it
	@$(ENV) && python -m webhookdev.demo

bench: tools build ## Measure cold starts, hot-path CPU, sizes and the load generator; write docs/figures/bench.json and docs/performance.md (BENCH_ARGS=--knee adds the local stack ladder)
	@$(ENV) && python -m webhookdev.bench $(BENCH_ARGS)

clean: ## Remove build outputs and local stack state (not the toolchain cache)
	@rm -rf build .local .terraform
