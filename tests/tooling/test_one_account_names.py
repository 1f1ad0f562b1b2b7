"""dev, staging and prod planned into one AWS account: no two environments create a resource under the same name.

Offline plans (`offline_account_id`, mock credentials, no AWS) of the real environments/<env>.tfvars files. The
check is generic: it collects every name-like attribute of every planned resource, so resources added later are
covered without touching this file. A name is identified by the resource type, the attribute and the value, scoped
by the parent it lives in (a log group for a metric filter, an API for a model). A parent created by the same plan is
new per environment, so it cannot collide unless its own name does, which is checked on the parent itself.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest
from tfroot import isolated_root, placeholder_artifacts

ACCOUNT = "123456789012"
SHARED_ACCOUNT_ENVIRONMENTS = ("dev", "staging", "prod")

# Attributes that end in "name" but name a metric, a label or a service, not the resource itself.
NOT_IDENTITIES = frozenset({"metric_name", "display_name", "service_name"})
# Attributes that place a resource inside a parent: a plain `name` (a metric filter's, a model's, an inline policy's) is
# unique only within it. Names with their own key (function_name, alarm_name, bucket, ...) identify the resource
# itself, and their other attributes (a function's role, an alias's key) are references, not parents.
PARENT_ATTRIBUTES = frozenset(
    {"rest_api_id", "api_id", "log_group_name", "role", "function_name", "bucket", "queue_url", "topic_arn",
     "secret_id", "usage_plan_id", "resource_id", "table_name"}
)  # fmt: skip
SCOPED_NAME_ATTRIBUTES = frozenset({"name", "name_prefix", "stage_name"})

Identity = tuple[str, str, str, tuple[tuple[str, str], ...]]


def _is_name_attribute(key: str) -> bool:
    return key not in NOT_IDENTITIES and (key in {"name", "name_prefix", "bucket"} or key.endswith("_name"))


def planned_names(plan: Mapping[str, Any], environment: str) -> dict[Identity, list[str]]:
    """Identity -> addresses, for every name-like attribute of every resource the plan creates."""
    names: dict[Identity, list[str]] = defaultdict(list)
    for change in plan.get("resource_changes", []):
        if "create" not in change["change"]["actions"]:
            continue
        after: Mapping[str, Any] = change["change"]["after"] or {}
        unknown: Mapping[str, Any] = change["change"].get("after_unknown") or {}
        for key, value in after.items():
            if not isinstance(value, str) or not value or not _is_name_attribute(key):
                continue
            scope = tuple(
                sorted(
                    (
                        parent,
                        f"<created by the {environment} plan>"
                        if unknown.get(parent) is True
                        else str(after.get(parent)),
                    )
                    for parent in PARENT_ATTRIBUTES - {key}
                    if key in SCOPED_NAME_ATTRIBUTES and (after.get(parent) is not None or unknown.get(parent) is True)
                )
            )
            names[(change["type"], key, value, scope)].append(change["address"])
    return names


def collisions(plans: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every identity that two or more environments would create, as readable lines."""
    owners: dict[Identity, dict[str, list[str]]] = defaultdict(dict)
    for environment, plan in plans.items():
        for identity, addresses in planned_names(plan, environment).items():
            owners[identity][environment] = addresses
    return sorted(
        f"{identity[0]}.{identity[1]} = {identity[2]!r} in {', '.join(sorted(envs))} ({envs[sorted(envs)[0]][0]})"
        for identity, envs in owners.items()
        if len(envs) > 1
    )


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return placeholder_artifacts(tmp_path_factory.mktemp("artifacts"))


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return isolated_root(tmp_path_factory.mktemp("root") / "config")


def _offline_plan(config: Path, environment: str, artifacts: Path, workdir: Path, *extra: str) -> dict[str, Any]:
    """`tofu plan` of environments/<env>.tfvars with mock credentials and no AWS, as JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_ACCESS_KEY_ID": "mock", "AWS_SECRET_ACCESS_KEY": "mock", "AWS_EC2_METADATA_DISABLED": "true"}
    out = workdir / f"{environment}.tfplan"
    plan = subprocess.run(
        [
            "tofu",
            "plan",
            "-input=false",
            "-lock=false",
            "-no-color",
            f"-out={out}",
            f"-var-file=environments/{environment}.tfvars",
            f"-var=offline_account_id={ACCOUNT}",
            f"-var=artifacts_dir={artifacts}",
            f"-state={workdir / environment}.tfstate",
            *extra,
        ],
        cwd=config,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    show = subprocess.run(
        ["tofu", "show", "-json", str(out)],
        cwd=config,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result: dict[str, Any] = json.loads(show.stdout)
    return result


@pytest.fixture(scope="module")
def one_account_plans(
    config: Path, artifacts: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    workdir = tmp_path_factory.mktemp("plans")
    return {env: _offline_plan(config, env, artifacts, workdir) for env in SHARED_ACCOUNT_ENVIRONMENTS}


def test_dev_staging_and_prod_share_one_account_without_a_name_collision(
    one_account_plans: dict[str, dict[str, Any]],
) -> None:
    assert collisions(one_account_plans) == []


def test_the_check_sees_the_names_it_must_keep_apart(one_account_plans: dict[str, dict[str, Any]]) -> None:
    # Guards the collector: if it stopped reading a kind of name, the test above would pass vacuously.
    kinds = {(identity[0], identity[1]) for identity in planned_names(one_account_plans["prod"], "prod")}
    for kind in [
        ("aws_lambda_function", "function_name"),
        ("aws_iam_role", "name"),
        ("aws_cloudwatch_log_group", "name"),
        ("aws_dynamodb_table", "name"),
        ("aws_secretsmanager_secret", "name"),
        ("aws_sqs_queue", "name"),
        ("aws_sns_topic", "name"),
        ("aws_lambda_layer_version", "layer_name"),
        ("aws_api_gateway_rest_api", "name"),
        ("aws_cloudwatch_metric_alarm", "alarm_name"),
        ("aws_s3_bucket", "bucket"),
    ]:
        assert kind in kinds, kind


def test_prod_keeps_the_requests_names(one_account_plans: dict[str, dict[str, Any]]) -> None:
    values = {identity[2] for identity in planned_names(one_account_plans["prod"], "prod")}
    for name in [
        "webhook-processor",
        "stripe-webhook-validator",
        "webhook-transactions",
        "webhook-processing-dlq",
        "webhook-processor-dependencies",
        "webhook-processor/stripe/secret",
        "payment-webhooks-prod",
    ]:
        assert name in values, name


def test_without_a_name_suffix_dev_collides_with_prod(
    config: Path, artifacts: Path, one_account_plans: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    unsuffixed_dev = _offline_plan(config, "dev", artifacts, tmp_path, "-var=name_suffix=")

    found = collisions({"dev": unsuffixed_dev, "prod": one_account_plans["prod"]})

    joined = "\n".join(found)
    for expected in [
        "aws_lambda_function.function_name = 'webhook-processor'",
        "aws_iam_role.name = 'webhook-processor-role'",
        "aws_dynamodb_table.name = 'webhook-transactions'",
        "aws_sqs_queue.name = 'webhook-processing-dlq'",
        "aws_secretsmanager_secret.name = 'webhook-processor/stripe/secret'",
        "aws_cloudwatch_log_group.name = '/aws/lambda/webhook-processor'",
        "aws_lambda_layer_version.layer_name = 'webhook-processor-dependencies'",
    ]:
        assert expected in joined, joined


def _fake_plan(resources: Iterable[tuple[str, str, dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    return {
        "resource_changes": [
            {
                "address": address,
                "type": rtype,
                "change": {"actions": ["create"], "after": after, "after_unknown": unknown},
            }
            for rtype, address, after, unknown in resources
        ]
    }


def test_collector_scopes_names_by_parent_and_ignores_metric_names() -> None:
    dev = _fake_plan(
        [
            ("aws_api_gateway_model", "m", {"name": "StripeWebhook"}, {"rest_api_id": True}),
            ("aws_cloudwatch_log_metric_filter", "f", {"name": "errors", "log_group_name": "/aws/lambda/a-dev"}, {}),
            ("aws_cloudwatch_metric_alarm", "a", {"alarm_name": "x-dev", "metric_name": "Errors"}, {}),
            ("aws_new_thing", "n", {"thing_name": "shared"}, {}),
        ]
    )
    prod = _fake_plan(
        [
            ("aws_api_gateway_model", "m", {"name": "StripeWebhook"}, {"rest_api_id": True}),
            ("aws_cloudwatch_log_metric_filter", "f", {"name": "errors", "log_group_name": "/aws/lambda/a"}, {}),
            ("aws_cloudwatch_metric_alarm", "a", {"alarm_name": "x-prod", "metric_name": "Errors"}, {}),
            ("aws_new_thing", "n", {"thing_name": "shared"}, {}),
        ]
    )

    assert collisions({"dev": dev, "prod": prod}) == ["aws_new_thing.thing_name = 'shared' in dev, prod (n)"]
