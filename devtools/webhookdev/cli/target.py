"""Where commands send requests: the local stack (`.local/stack.json`) or a real deployment (Terraform outputs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import boto3
from botocore.credentials import Credentials, ReadOnlyCredentials

from webhookdev.cli.errors import CliError

TargetName = Literal["local", "aws"]

DEFAULT_REGION = "us-east-1"
DEFAULT_INVOKE_PORT = 45662  # docs/design.md, "Local stack ports"
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "aws_session_token": "testing"}

# Terraform output names, first match wins. outputs.tf is the source of truth; the alternatives keep the CLI working
# while names settle.
API_URL_OUTPUTS = ("api_url", "api_endpoint_url", "api_invoke_url", "api_stage_url")
WEBHOOK_URLS_OUTPUTS = ("webhook_urls",)
DLQ_URL_OUTPUTS = ("dlq_url", "dead_letter_queue_url", "processing_dlq_url")
PROCESSOR_ARN_OUTPUTS = ("processor_function_arn", "webhook_processor_arn")
FUNCTION_ARNS_OUTPUTS = ("function_arns", "lambda_function_arns")
PROCESSOR_KEYS = ("processor", "webhook-processor", "webhook_processor")
QUERY_AUTHORIZATION_OUTPUTS = ("query_api_authorization",)
SECRET_ARNS_OUTPUTS = ("provider_secret_arns",)
QUERY_AUTHORIZATIONS = ("AWS_IAM", "API_KEY")


def default_secret_name(provider: str) -> str:
    """The request's secret name (secrets.tf without a name_suffix)."""
    return f"webhook-processor/{provider}/secret"


def repo_root() -> Path:
    override = os.environ.get("WEBHOOKDEV_REPO")
    # devtools/webhookdev/cli/target.py -> repo
    return Path(override).resolve() if override else Path(__file__).resolve().parents[3]


def default_stack_file() -> Path:
    override = os.environ.get("WEBHOOKCTL_STACK_FILE")
    return Path(override) if override else repo_root() / ".local" / "stack.json"


@dataclass(frozen=True)
class Target:
    """Everything a command needs to reach one deployment."""

    name: TargetName
    base_url: str | None
    outputs: Mapping[str, Any] = field(default_factory=dict)
    signing: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    query_api_key: str | None = None
    aws_endpoint_url: str | None = None
    lambda_endpoint_url: str | None = None
    region: str = DEFAULT_REGION
    #: Anything else stack.json carries (e.g. `paypal_stub`).
    extra: Mapping[str, Any] = field(default_factory=dict)

    # --- URLs --------------------------------------------------------------------------------------------------------

    def stage_url(self) -> str:
        url = self.base_url or self.output(*API_URL_OUTPUTS)
        if not isinstance(url, str) or not url:
            raise CliError(f"no API URL: the {self.name} target has no base_url and no output {API_URL_OUTPUTS[0]!r}")
        return url.rstrip("/")

    def webhook_url(self, provider: str) -> str:
        # Locally the outputs hold moto's execute-api URLs, which nothing serves: the local gateway (base_url) wins.
        urls = self.output(*WEBHOOK_URLS_OUTPUTS)
        if not self.base_url and isinstance(urls, Mapping) and isinstance(urls.get(provider), str):
            return str(urls[provider])
        return f"{self.stage_url()}/api/v1/webhooks/{provider}"

    def transactions_url(self) -> str:
        return f"{self.stage_url()}/api/v1/transactions"

    # --- outputs -----------------------------------------------------------------------------------------------------

    def output(self, *names: str) -> Any:
        """The first of ``names`` present in the Terraform outputs, or None."""
        for name in names:
            if name in self.outputs:
                return self.outputs[name]
        return None

    def dlq_url(self) -> str:
        url = self.output(*DLQ_URL_OUTPUTS)
        if not isinstance(url, str) or not url:
            raise CliError(f"the {self.name} target has no DLQ URL output ({' / '.join(DLQ_URL_OUTPUTS)})")
        return url

    def processor_arn(self) -> str:
        arn = self.output(*PROCESSOR_ARN_OUTPUTS)
        arns = self.output(*FUNCTION_ARNS_OUTPUTS)
        if not arn and isinstance(arns, Mapping):
            arn = next((arns[k] for k in PROCESSOR_KEYS if isinstance(arns.get(k), str)), None)
        if not isinstance(arn, str) or not arn:
            raise CliError(f"the {self.name} target has no processor function ARN output ({PROCESSOR_ARN_OUTPUTS[0]})")
        return arn

    def secret_id(self, provider: str) -> str:
        """The provider's signing secret in Secrets Manager: its ARN from the outputs, since its name carries the
        deployment's name_suffix; the request's name only for a deployment without that output."""
        arns = self.output(*SECRET_ARNS_OUTPUTS)
        if arns is None:
            return default_secret_name(provider)
        arn = arns.get(provider) if isinstance(arns, Mapping) else None
        if not isinstance(arn, str) or not arn:
            raise CliError(f"the {self.name} target's {SECRET_ARNS_OUTPUTS[0]} output has no {provider} secret")
        return arn

    def query_authorization(self) -> str:
        """AWS_IAM (SigV4) or API_KEY from the deployment's outputs; deployments without that output used API keys."""
        mode = self.output(*QUERY_AUTHORIZATION_OUTPUTS)
        return str(mode) if mode in QUERY_AUTHORIZATIONS else "API_KEY"

    # --- AWS clients -------------------------------------------------------------------------------------------------

    def credentials(self) -> ReadOnlyCredentials:
        """What signs SigV4 requests: the local stack's credentials, or the caller's from the normal AWS chain."""
        if self.name == "local":
            return Credentials(
                LOCAL_CREDENTIALS["aws_access_key_id"],
                LOCAL_CREDENTIALS["aws_secret_access_key"],
                LOCAL_CREDENTIALS["aws_session_token"],
            ).get_frozen_credentials()
        found = boto3.Session().get_credentials()
        if found is None:
            raise CliError(
                "no AWS credentials to sign the request with: configure a profile, AWS_PROFILE or AWS_ACCESS_KEY_ID"
            )
        return found.get_frozen_credentials()

    def client(self, service: str) -> Any:
        """A boto3 client for ``service``: the local endpoints with dummy credentials, or the normal AWS chain."""
        if self.name == "aws":
            return boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
        endpoint = self.lambda_endpoint_url if service == "lambda" else self.aws_endpoint_url
        return boto3.client(  # type: ignore[call-overload]
            service, region_name=self.region, endpoint_url=endpoint, **LOCAL_CREDENTIALS
        )


def _unwrap_outputs(raw: Mapping[str, Any]) -> dict[str, Any]:
    """`tofu output -json` wraps each value as {"value": ..., "type": ..., "sensitive": ...}; stack.json may not."""
    out: dict[str, Any] = {}
    for name, value in raw.items():
        out[name] = value["value"] if isinstance(value, Mapping) and "value" in value and "type" in value else value
    return out


def _default_lambda_endpoint(aws_endpoint_url: str | None) -> str | None:
    """The local runtime's Invoke API: moto cannot run functions, so Lambda calls go to our own endpoint."""
    if env := os.environ.get("AWS_ENDPOINT_URL_LAMBDA"):
        return env
    host = urlsplit(aws_endpoint_url).hostname if aws_endpoint_url else "127.0.0.1"
    port = int(os.environ.get("WEBHOOKDEV_INVOKE_PORT") or DEFAULT_INVOKE_PORT)
    return f"http://{host}:{port}"


def load_local(stack_file: Path | None = None) -> Target:
    """Read the local stack's `.local/stack.json` (written by `make up`)."""
    path = stack_file or default_stack_file()
    if not path.is_file():
        raise CliError(f"the local stack is not running ({path} not found): start it with `make up`")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}; re-create it with `make down && make up`") from exc
    if not isinstance(data, dict) or not data.get("base_url"):
        raise CliError(f"{path} has no base_url; re-create it with `make down && make up`")
    aws_endpoint = data.get("aws_endpoint_url")
    return Target(
        name="local",
        base_url=str(data["base_url"]),
        outputs=_unwrap_outputs(data.get("outputs") or {}),
        signing={k: dict(v) for k, v in (data.get("signing") or {}).items() if isinstance(v, Mapping)},
        query_api_key=data.get("query_api_key"),
        aws_endpoint_url=aws_endpoint,
        lambda_endpoint_url=data.get("lambda_endpoint_url") or _default_lambda_endpoint(aws_endpoint),
        region=str(data.get("region") or DEFAULT_REGION),
        extra=data,
    )


def terraform_binary() -> str:
    for name in ("tofu", "terraform"):
        if found := shutil.which(name):
            return found
    raise CliError('neither `tofu` nor `terraform` is on PATH: run `eval "$(make -s env)"` or install one')


def load_aws(tf_dir: Path, *, binary: str | None = None, region: str | None = None) -> Target:
    """Read the Terraform outputs of the deployment in ``tf_dir``; AWS calls use the normal credential chain."""
    exe = binary or terraform_binary()
    try:
        proc = subprocess.run(  # noqa: S603 - fixed arguments, binary chosen by the user
            [exe, f"-chdir={tf_dir}", "output", "-json"], capture_output=True, text=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise CliError(f"cannot run {exe}: {exc}") from exc
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise CliError(f"`{Path(exe).name} output -json` failed in {tf_dir}: {detail}")
    try:
        raw = json.loads(proc.stdout or "{}")
    except ValueError as exc:
        raise CliError(f"`{Path(exe).name} output -json` printed invalid JSON: {exc}") from exc
    if not raw:
        raise CliError(f"no Terraform outputs in {tf_dir}: has the stack been applied there?")
    outputs = _unwrap_outputs(raw)
    resolved_region = (
        region
        or outputs.get("region")
        or os.environ.get("AWS_REGION")
        or os.environ.get("AWS_DEFAULT_REGION")
        or DEFAULT_REGION
    )
    return Target(name="aws", base_url=None, outputs=outputs, region=str(resolved_region))
