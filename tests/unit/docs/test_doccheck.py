"""The doc checker (devtools/webhookdev/doccheck.py): each check finds a wrong fact and passes a right one.

A tiny repository is written per test: a Makefile, Terraform variables/outputs/alarms, some Python, and docs that
state right and wrong facts. `webhookctl` subcommands come from the real CLI parser.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webhookdev import doccheck
from webhookdev.doccheck import Finding

REPO = Path(__file__).resolve().parents[3]
HOTPATH_ROW = {"cpu_median_ms": 0.84, "aws_sdk_calls_cpu_median_ms": 0.5, "goal_ms": 1.0, "within_goal": True}

FILES = {
    "Makefile": "up: build ## start\n\ndown: ## stop\n",
    "variables.tf": 'variable "api_data_trace_enabled" {\n  type = bool\n}\n',
    "outputs.tf": 'output "api_url" {\n  value = "x"\n}\n',
    "alarms.tf": (
        'resource "aws_cloudwatch_metric_alarm" "e" {\n  alarm_name = "${local.name}-${each.key}-errors"\n}\n'
        'resource "aws_sns_topic" "a" {\n  name = "${local.name}-alarms"\n}\n'
        'resource "aws_cloudwatch_log_group" "g" {\n  name = "/aws/apigateway/${local.name}/access"\n}\n'
    ),
    "lambda/fn/index.py": (
        'import os\nTABLE = os.environ["DYNAMODB_TABLE"]\nmetrics.add_metric(name="ProcessingFailed")\n'
        "class InvalidAmount(Exception): ...\n"
    ),
    "devtools/toolchain.env": "MERMAID_VERSION=0\nJSDOM_VERSION=0\n",
    "docs/other.md": "# Other page\n\n## Section two\n",
    "docs/figures/bench.json": json.dumps(
        {
            "measured": {"processor_cold_start_ms": 323.44, "init_s": 0.4},
            "hotpath": {"functions": {"stripe-webhook-validator": HOTPATH_ROW}},
            "sizes": {"layer_bytes": 28_206_284},
        }
    ),
    "docs/figures/capacity.json": json.dumps({"prod": {"cost_per_month_at_10k_per_minute": 26709.0, "per_s": 166.7}}),
}


def _repo(tmp_path: Path, doc: str) -> tuple[Path, Path]:
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    page = tmp_path / "docs" / "page.md"
    page.write_text(doc)
    return tmp_path, page


def _findings(tmp_path: Path, doc: str, check: str) -> list[tuple[int, str]]:
    root, page = _repo(tmp_path, doc)
    report = doccheck.run(root, [page], (check,))
    assert report.checked[check] > 0, f"the {check} check classified nothing"
    return [(f.line, f.token) for f in report.findings if f.check == check]


def test_links_to_missing_files_are_found(tmp_path: Path) -> None:
    doc = "[ok](other.md) [ok](../Makefile) [web](https://example.com/x.md)\n[bad](missing.md)\n"
    assert _findings(tmp_path, doc, "links") == [(2, "missing.md")]


def test_anchors_follow_github_slugs_on_the_target_page_and_this_one(tmp_path: Path) -> None:
    doc = "# Top `code` here\n\n[a](other.md#section-two) [b](#top-code-here)\n[c](other.md#section-2) [d](#nope)\n"
    assert _findings(tmp_path, doc, "anchors") == [(4, "other.md#section-2"), (4, "#nope")]


def test_links_inside_code_spans_are_not_links(tmp_path: Path) -> None:
    root, page = _repo(tmp_path, "`[x](missing.md)` [ok](other.md)\n")
    assert doccheck.run(root, [page], ("links",)).findings == []


def test_make_targets_in_backticks_and_shell_fences(tmp_path: Path) -> None:
    doc = "Run `make up` then `make deploy`.\n\n```sh\nmake down\nmake nothing  # comment\n```\n"
    assert _findings(tmp_path, doc, "make") == [(1, "make deploy"), (5, "make nothing")]


def test_webhookctl_subcommands_come_from_the_cli_parser(tmp_path: Path) -> None:
    doc = "`webhookctl query pi_1` `webhookctl dlq list` `webhookctl dlq purge` `webhookctl frobnicate`\n"
    assert _findings(tmp_path, doc, "webhookctl") == [(1, "webhookctl dlq purge"), (1, "webhookctl frobnicate")]


def test_paths_exist_with_placeholders_as_globs_and_generated_dirs_skipped(tmp_path: Path) -> None:
    doc = (
        "`lambda/<fn>/index.py` `lambda/fn/` `docs/other.md` `.local/stack.json` `application/json`\n`lambda/x/y.py`\n"
    )
    assert _findings(tmp_path, doc, "paths") == [(2, "lambda/x/y.py")]


def test_terraform_variables_by_var_prefix_table_column_and_prose(tmp_path: Path) -> None:
    doc = (
        "`var.api_data_trace_enabled` `var.enable_data_trace`\n\n"
        "| variable | default |\n|---|---|\n| `api_data_trace_enabled` | false |\n| `data_trace` | false |\n\n"
        "On where the variable `enable_data_trace` says so; the stage variable `table_name` is not Terraform's.\n"
    )
    assert _findings(tmp_path, doc, "tfvars") == [
        (1, "var.enable_data_trace"),
        (6, "data_trace"),
        (8, "enable_data_trace"),
    ]


def test_terraform_outputs_in_commands_and_tables(tmp_path: Path) -> None:
    doc = "`tofu output -raw api_url` `tofu output -raw api_id`\n\n| output | |\n|---|---|\n| `stage` | |\n"
    assert _findings(tmp_path, doc, "tfoutputs") == [(1, "api_id"), (5, "stage")]


def test_environment_variables_must_occur_in_the_code(tmp_path: Path) -> None:
    doc = "`DYNAMODB_TABLE` and `DYNAMODB_TABLE=x` are read; `RECORD_TTL_DAYS` is not.\n"
    assert _findings(tmp_path, doc, "envvars") == [(1, "RECORD_TTL_DAYS")]


def test_metric_names_on_metric_and_alarm_lines_must_be_named_in_the_code(tmp_path: Path) -> None:
    doc = "The `ProcessingFailed` metric, from `InvalidAmount`; the `DLQDepth` alarm.\nAn index: `SomeIndex`.\n"
    assert _findings(tmp_path, doc, "metrics") == [(1, "DLQDepth")]


def test_metric_filter_and_metric_columns_are_checked_against_terraform(tmp_path: Path) -> None:
    FILES["logs.tf"] = 'resource "aws_cloudwatch_log_metric_filter" "d" {\n  name = "processing-duration"\n}\n'
    doc = (
        "| filter name | metric (namespace `X`) |\n|---|---|\n| `processing-duration` | `ProcessingFailed` |\n"
        "| `processor-duration` | `ProcessorDurationMs` |\n"
    )
    try:
        assert _findings(tmp_path, doc, "metrics") == [(4, "processor-duration"), (4, "ProcessorDurationMs")]
    finally:
        del FILES["logs.tf"]


def test_alarm_names_must_match_an_alarm_name_template(tmp_path: Path) -> None:
    doc = (
        "Alarms: `processor-errors`, `<function>-errors`, `payment-webhooks-prod-processor-errors`, "
        "`dlq-depth`; the topic `payment-webhooks-prod-alarms` is not an alarm.\n"
    )
    assert _findings(tmp_path, doc, "alarms") == [(1, "dlq-depth")]


def test_log_group_names_must_match_a_terraform_name(tmp_path: Path) -> None:
    doc = (
        "`/aws/apigateway/payment-webhooks-prod/access` `/aws/apigateway/<api>/access` `/aws/apigateway/<api>-access`\n"
    )
    assert _findings(tmp_path, doc, "loggroups") == [(1, "/aws/apigateway/<api>-access")]


def test_mermaid_blocks_are_parsed_by_mermaid_itself(tmp_path: Path) -> None:
    parser = doccheck.mermaid_parser_dir(REPO)
    assert parser is not None, "the mermaid parser is not installed: run `make tools` (devtools/bin/bootstrap)"
    doc = (
        "```mermaid\nflowchart LR\n  A[Provider] -->|POST| B(API Gateway)\n```\n\n"
        "```mermaid\nsequenceDiagram\n  P->>G: POST\n  G-->>\n```\n"
    )
    root, page = _repo(tmp_path, doc)
    report = doccheck.run(root, [page], ("mermaid",), parser)
    assert report.checked["mermaid"] == 2
    assert [(f.line, f.message.split(":")[0]) for f in report.findings] == [(6, "Parse error on line 3")]


def test_mermaid_blocks_fail_when_no_parser_is_installed(tmp_path: Path) -> None:
    root, page = _repo(tmp_path, "```mermaid\nflowchart LR\n  A --> B\n```\n")
    (finding,) = doccheck.run(root, [page], ("mermaid",), None).findings
    assert finding == Finding("mermaid", "docs/page.md", 1, "mermaid", finding.message)
    assert "no parser" in finding.message


def test_enforce_exits_non_zero_on_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root, page = _repo(tmp_path, "[bad](missing.md)\n")
    assert doccheck.main(["--root", str(root), str(page)]) == 0
    assert doccheck.main(["--root", str(root), "--enforce", str(page)]) == 1
    assert "docs/page.md:1: [links] `missing.md`" in capsys.readouterr().out


@pytest.mark.parametrize("check", doccheck.CHECKS)
def test_every_check_is_enforced_unless_switched_to_report_only(
    tmp_path: Path, check: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root, page = _repo(tmp_path, BAD_SNIPPETS[check])
    argv = ["--root", str(root), "--only", check, "--enforce", str(page)]
    assert doccheck.main([*argv, "--report-only", ""]) == 1, capsys.readouterr().out
    assert f"[{check}]" in capsys.readouterr().out
    assert doccheck.main([*argv, "--report-only", check]) == 0


def test_the_report_only_switch_names_real_checks() -> None:
    assert set(doccheck.REPORT_ONLY) <= set(doccheck.CHECKS)
    assert all(check in doccheck.CHECKS for check, _ in doccheck.ALLOWED)


# One wrong fact per check (the mermaid one fails on the parser, or on its absence).
BAD_SNIPPETS = {
    "links": "[bad](missing.md)\n",
    "anchors": "[bad](other.md#nowhere)\n",
    "make": "Run `make deploy`.\n",
    "webhookctl": "Run `webhookctl frobnicate`.\n",
    "paths": "See `lambda/x/y.py`.\n",
    "tfvars": "Set `var.enable_data_trace`.\n",
    "tfoutputs": "`tofu output -raw api_id`\n",
    "envvars": "`RECORD_TTL_DAYS` is read.\n",
    "metrics": "The `DLQDepth` alarm.\n",
    "alarms": "The alarm `dlq-depth`.\n",
    "loggroups": "`/aws/apigateway/<api>-access`\n",
    "mermaid": "```mermaid\nsequenceDiagram\n  P->>G: POST\n  G-->>\n```\n",
    "figures": "A cold start takes 412 ms.\n",
}


def test_names_that_are_not_ours_are_allowed_with_a_reason(tmp_path: Path) -> None:
    doc = "The alarm's metric `NumberOfMessagesSent` has the dimension `QueueName`; `PutRecord` metrics too.\n"
    root, page = _repo(tmp_path, doc)
    report = doccheck.run(root, [page], ("metrics",))
    assert [f.token for f in report.findings] == ["NumberOfMessagesSent"]
    assert report.skipped["metrics (allowed: not our name)"] == 2
    assert all(reason for reason in doccheck.ALLOWED.values())


# ---- figures --------------------------------------------------------------------------------------------------------


def test_figures_must_be_values_of_the_bench_and_capacity_files(tmp_path: Path) -> None:
    doc = (
        "A processor cold start takes 323.4 ms (323 ms rounded); the layer is 26.9 MiB (28.2 MB).\n"
        "At 10k/min it costs $26,709 a month (about $27k), i.e. 10,002 per minute.\n"
        "A cold start takes 412 ms and the layer is 31 MB; it costs $30,000.\n"
        "The init phase took 400 ms.\n"
        "`512 MB` in a code span is configuration, not prose.\n"
    )
    assert _findings(tmp_path, doc, "figures") == [(3, "412 ms"), (3, "31 MB"), (3, "$30,000")]


def test_figures_in_fences_and_marked_lines_are_not_checked(tmp_path: Path) -> None:
    doc = (
        "```sh\ncurl  # 999 ms\n```\n"
        "The request asks for 10,000+ webhooks per minute. <!-- not-a-figure: the requirement -->\n"
        "<!-- not-a-figure:start AWS limits -->\nLambda allows 10,240 MB.\n<!-- not-a-figure:end -->\n"
        "But 777 ms is typed by hand.\n"
    )
    root, page = _repo(tmp_path, doc)
    report = doccheck.run(root, [page], ("figures",))
    assert [(f.line, f.token) for f in report.findings] == [(8, "777 ms")]
    assert report.skipped["figures (marked not-a-figure)"] == 2


def test_a_generated_block_must_equal_a_fresh_rendering(tmp_path: Path) -> None:
    from webhookdev.bench.docs import summary_table  # noqa: PLC0415

    fresh = summary_table({"hotpath": {"functions": {"stripe-webhook-validator": HOTPATH_ROW}}})
    stale = fresh.replace("0.84 ms", "0.79 ms")
    doc = (
        f"<!-- generated: bench.docs summary -->\n{fresh}\n<!-- /generated -->\n\n"
        f"<!-- generated: bench.docs summary -->\n{stale}\n<!-- /generated -->\n\n"
        "<!-- generated: bench.docs nonsense -->\nx\n<!-- /generated -->\n"
    )
    root, page = _repo(tmp_path, doc)
    report = doccheck.run(root, [page], ("figures",))
    assert [(f.line, f.token) for f in report.findings] == [(7, "summary"), (13, "nonsense")]
    assert "0.79" not in " ".join(f.message for f in report.findings), "the stale figure is inside the block"


def test_a_generated_page_must_equal_a_fresh_rendering(tmp_path: Path) -> None:
    from webhookdev.bench.docs import capacity_all, render  # noqa: PLC0415

    root, page = _repo(tmp_path, "")
    for name in ("bench.json", "capacity.json"):  # the real figures: the page renders every section
        (root / "docs" / "figures" / name).write_text((REPO / "docs" / "figures" / name).read_text())
    bench = json.loads((root / "docs/figures/bench.json").read_text())
    fresh = render(bench, json.loads(json.dumps(capacity_all())))  # the model run afresh, as bench.docs --check
    page.write_text(fresh)
    assert doccheck.run(root, [page], ("figures",)).findings == []
    page.write_text(fresh.replace("| figure | measured |", "| figure | measured by hand |", 1))
    assert [f.line for f in doccheck.run(root, [page], ("figures",)).findings] == [1]
