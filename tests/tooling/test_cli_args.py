"""`webhookctl` command line: help everywhere, argparse errors, targets, and the bash wrapper."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from webhookdev.cli import build_parser, main
from webhookdev.cli.errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, CliError
from webhookdev.cli.target import load_aws, load_local

REPO = Path(__file__).resolve().parents[2]
WRAPPER = REPO / "devtools" / "bin" / "webhookctl"


@pytest.mark.parametrize(
    "argv",
    [[], ["send"], ["query"], ["dlq"], ["dlq", "list"], ["dlq", "redrive"]],
    ids=lambda argv: " ".join(argv) or "top",
)
def test_every_command_has_help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: webhookctl")
    if argv and argv != ["dlq"]:
        assert "--target" in out, "target options are accepted after every leaf command"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bogus"], "invalid choice"),
        (["send", "venmo", "x"], "invalid choice"),
        (["send", "stripe", "charge_succeeded", "--count", "0"], "must be at least 1"),
        (["send", "stripe", "charge_succeeded", "--target", "gcp"], "invalid choice"),
        (["query", "--limit", "ten"], "not a whole number"),
        (["dlq", "redrive"], "one of the arguments --all --message-id is required"),
        (["dlq", "redrive", "--all", "--message-id", "m"], "not allowed with argument"),
        (["dlq", "list", "--max", "-1"], "must be at least 1"),
    ],
)
def test_bad_command_lines_exit_2_with_a_reason(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_send_without_an_event_type_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "stripe"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "usage: webhookctl" in err
    assert "webhookctl: error: send needs PROVIDER and EVENT_TYPE" in err


def test_send_list_needs_no_stack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["send", "--list", "--stack-file", str(tmp_path / "absent.json")]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["PROVIDER", "SAMPLE", "EVENT", "TYPE", "CONTENT", "TYPE"]
    rows = [line.split() for line in lines[1:]]
    assert ["stripe", "poison_amount_object", "payment_intent.succeeded", "application/json"] in rows
    assert ["paypal", "ipn_web_accept_completed", "ipn:web_accept", "application/x-www-form-urlencoded"] in rows
    assert {row[0] for row in rows} == {"stripe", "paypal", "square"}


def test_parser_defaults_target_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOKCTL_TARGET", "aws")
    assert build_parser().parse_args(["query", "x"]).target == "aws"


# --- targets ---------------------------------------------------------------------------------------------------------


def test_local_target_reads_stack_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_LAMBDA", raising=False)
    monkeypatch.delenv("WEBHOOKDEV_INVOKE_PORT", raising=False)
    stack = tmp_path / "stack.json"
    stack.write_text(
        json.dumps(
            {
                "base_url": "http://127.0.0.1:45661/local/",
                "aws_endpoint_url": "http://127.0.0.1:45660",
                "query_api_key": "k",
                "outputs": {
                    "dlq_url": {"value": "http://q", "type": "string", "sensitive": False},
                    # What moto reports; nothing serves it locally.
                    "webhook_urls": {
                        "square": "https://abc.execute-api.us-east-1.amazonaws.com/local/api/v1/webhooks/square"
                    },
                    "api_url": "https://abc.execute-api.us-east-1.amazonaws.com/local",
                },
            }
        )
    )
    target = load_local(stack)
    assert target.webhook_url("square") == "http://127.0.0.1:45661/local/api/v1/webhooks/square"
    assert target.transactions_url() == "http://127.0.0.1:45661/local/api/v1/transactions"
    assert target.dlq_url() == "http://q"
    assert target.lambda_endpoint_url == "http://127.0.0.1:45662"
    assert target.query_api_key == "k"


def test_broken_stack_json_is_explained(tmp_path: Path) -> None:
    stack = tmp_path / "stack.json"
    stack.write_text("{not json")
    with pytest.raises(CliError, match="make down && make up"):
        load_local(stack)


def fake_tofu(tmp_path: Path, outputs: dict[str, object], rc: int = 0) -> Path:
    script = tmp_path / "tofu"
    script.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = "-chdir={tmp_path}" ] && [ "$2" = output ] && [ "$3" = -json ] || exit 9\n'
        f"cat <<'JSON'\n{json.dumps(outputs)}\nJSON\n" + ("echo 'Error: no state' >&2\n" if rc else "") + f"exit {rc}\n"
    )
    script.chmod(0o755)
    return script


def test_aws_target_reads_terraform_outputs(tmp_path: Path) -> None:
    outputs = {
        "api_url": {"value": "https://abc.execute-api.us-east-1.amazonaws.com/prod", "type": "string"},
        "webhook_urls": {
            "value": {"stripe": "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1/webhooks/stripe"},
            "type": ["map", "string"],
        },
        "dlq_url": {"value": "https://sqs.us-east-1.amazonaws.com/1/webhook-processing-dlq", "type": "string"},
        "processor_function_arn": {"value": "arn:aws:lambda:us-east-1:1:function:webhook-processor", "type": "string"},
    }
    target = load_aws(tmp_path, binary=str(fake_tofu(tmp_path, outputs)), region="eu-west-1")
    assert target.name == "aws"
    assert target.region == "eu-west-1"
    assert target.webhook_url("stripe").endswith("/prod/api/v1/webhooks/stripe")
    assert target.webhook_url("paypal") == "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1/webhooks/paypal"
    assert target.transactions_url() == "https://abc.execute-api.us-east-1.amazonaws.com/prod/api/v1/transactions"
    assert target.processor_arn().endswith(":function:webhook-processor")
    assert target.query_api_key is None


def test_aws_target_failure_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(CliError, match=r"output -json` failed in .*: Error: no state"):
        load_aws(tmp_path, binary=str(fake_tofu(tmp_path, {}, rc=1)))
    with pytest.raises(CliError, match="has the stack been applied"):
        load_aws(tmp_path, binary=str(fake_tofu(tmp_path, {})))


def test_aws_target_needs_a_secret_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tofu = fake_tofu(tmp_path, {"api_url": {"value": "https://x/prod", "type": "string"}})
    argv = [
        "send",
        "stripe",
        "charge_succeeded",
        "--target",
        "aws",
        "--tf-dir",
        str(tmp_path),
        "--tf-binary",
        str(tofu),
    ]
    assert main(argv) == EXIT_ERROR
    assert "pass --secret or --secret-from-aws" in capsys.readouterr().err


# --- the bash wrapper ------------------------------------------------------------------------------------------------


def test_wrapper_runs_from_a_bare_shell_by_loading_env_sh() -> None:
    bare = {"HOME": os.environ.get("HOME", "/root"), "PATH": "/usr/bin:/bin"}
    if "WEBHOOKS_CACHE" in os.environ:
        bare["WEBHOOKS_CACHE"] = os.environ["WEBHOOKS_CACHE"]
    proc = subprocess.run([str(WRAPPER), "send", "--list"], env=bare, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "poison_amount_object" in proc.stdout


def test_module_entry_point_reports_errors_with_exit_codes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "webhookdev.cli", "query", "x", "--stack-file", str(tmp_path / "absent.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == EXIT_ERROR
    assert proc.stderr.startswith("webhookctl: error: the local stack is not running")
    assert proc.stdout == ""
