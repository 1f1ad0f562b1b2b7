"""The API Gateway request models in schemas/*.json (decision 15).

They must accept every real event shape (every JSON sample the samples package ships, plus documented edge cases)
and reject structurally broken bodies, each for the reason its fixture names. They must also stay within what
API Gateway understands: JSON Schema draft-04, no $ref, no later keywords.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from webhookdev import samples

REPO = Path(__file__).resolve().parents[3]
SCHEMAS = REPO / "schemas"
FIXTURES = REPO / "tests" / "fixtures" / "schemas"
PROVIDERS = ("stripe", "paypal", "square")
DRAFT4_URI = "http://json-schema.org/draft-04/schema#"

# Every keyword draft-04 defines (core + validation + metadata). `$ref` is deliberately absent: API Gateway models may
# only reference other models by URL, and these schemas are self-contained.
DRAFT4_KEYWORDS = frozenset(
    {
        "$schema", "id", "title", "description", "default",
        "type", "enum", "format",
        "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
        "maxLength", "minLength", "pattern",
        "items", "additionalItems", "maxItems", "minItems", "uniqueItems",
        "properties", "patternProperties", "additionalProperties", "required",
        "maxProperties", "minProperties", "dependencies", "definitions",
        "allOf", "anyOf", "oneOf", "not",
    }
)  # fmt: skip


def load_schema(provider: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{provider}-webhook.json").read_text())  # type: ignore[no-any-return]


def validator(provider: str) -> Draft4Validator:
    return Draft4Validator(load_schema(provider))


def subschemas(schema: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (location, schema) for the schema and every schema nested in it, following draft-04's structure."""
    assert isinstance(schema, dict), f"{where}: a schema must be an object, got {type(schema).__name__}"
    yield where, schema
    for key in ("properties", "patternProperties", "definitions"):
        for name, sub in schema.get(key, {}).items():
            yield from subschemas(sub, f"{where}/{key}/{name}")
    for key in ("additionalProperties", "additionalItems", "not"):
        if isinstance(schema.get(key), dict):
            yield from subschemas(schema[key], f"{where}/{key}")
    items = schema.get("items")
    if isinstance(items, dict):
        yield from subschemas(items, f"{where}/items")
    elif isinstance(items, list):
        for i, sub in enumerate(items):
            yield from subschemas(sub, f"{where}/items/{i}")
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key, [])):
            yield from subschemas(sub, f"{where}/{key}/{i}")
    for name, dep in schema.get("dependencies", {}).items():
        if isinstance(dep, dict):
            yield from subschemas(dep, f"{where}/dependencies/{name}")


def load_cases(provider: str, kind: str) -> list[dict[str, Any]]:
    data = json.loads((FIXTURES / f"{provider}-{kind}.json").read_text())
    assert data["provider"] == provider
    cases: list[dict[str, Any]] = data["cases"]
    assert cases, f"{provider}-{kind}.json has no cases"
    return cases


def case_params(kind: str) -> list[Any]:
    return [
        pytest.param(provider, case, id=f"{provider}-{case['name']}")
        for provider in PROVIDERS
        for case in load_cases(provider, kind)
    ]


def pointer(path: Any) -> str:
    return "".join(f"/{part}" for part in path)


# --- the schemas themselves ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schema_is_a_valid_draft04_schema(provider: str) -> None:
    schema = load_schema(provider)
    assert schema["$schema"] == DRAFT4_URI
    Draft4Validator.check_schema(schema)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schema_uses_only_draft04_keywords_and_no_refs(provider: str) -> None:
    for where, sub in subschemas(load_schema(provider)):
        unknown = set(sub) - DRAFT4_KEYWORDS
        assert not unknown, f"{provider}: {where} uses keywords API Gateway's draft-04 does not know: {sorted(unknown)}"
        if where != "#":
            assert "$schema" not in sub, f"{provider}: {where} repeats $schema"
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            if key in sub:
                assert isinstance(sub[key], bool), f"{provider}: {where}/{key} must be a boolean in draft-04"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schema_never_forbids_unknown_fields(provider: str) -> None:
    for where, sub in subschemas(load_schema(provider)):
        assert sub.get("additionalProperties", True) is not False, f"{provider}: {where} rejects unknown fields"
        assert sub.get("additionalItems", True) is not False, f"{provider}: {where} rejects extra items"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_required_field_is_declared_with_a_type(provider: str) -> None:
    for where, sub in subschemas(load_schema(provider)):
        for name in sub.get("required", []):
            assert name in sub.get("properties", {}), f"{provider}: {where} requires undeclared {name!r} (typo?)"
            assert "type" in sub["properties"][name], f"{provider}: {where}/properties/{name} has no type"


def test_model_titles_are_api_gateway_model_names() -> None:
    # API Gateway model names are alphanumeric; design.md names them <Provider>Webhook.
    assert [load_schema(p)["title"] for p in PROVIDERS] == ["StripeWebhook", "PaypalWebhook", "SquareWebhook"]


# --- bodies ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "case"), case_params("accepted"))
def test_documented_real_shape_is_accepted(provider: str, case: dict[str, Any]) -> None:
    errors = [f"{pointer(e.absolute_path)}: {e.message}" for e in validator(provider).iter_errors(case["body"])]
    assert errors == [], f"{case['name']} ({case['source']}) was rejected"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_broken_fixture_base_is_valid(provider: str) -> None:
    # Each broken case is one mutation of this base, so a case fails only for the reason it names.
    base = json.loads((FIXTURES / f"{provider}-broken.json").read_text())["base"]
    assert list(validator(provider).iter_errors(base)) == []


@pytest.mark.parametrize(("provider", "case"), case_params("broken"))
def test_broken_body_is_rejected_for_its_named_reason(provider: str, case: dict[str, Any]) -> None:
    errors = sorted(validator(provider).iter_errors(case["body"]), key=lambda e: (pointer(e.absolute_path), e.message))
    expected = case["errors"]
    got = [(e.validator, pointer(e.absolute_path), e.message) for e in errors]
    assert len(got) == len(expected), f"{case['name']} ({case['reason']}): expected {expected}, got {got}"
    for want in expected:
        matches = [g for g in got if g[0] == want["keyword"] and g[1] == want["at"] and want["detail"] in g[2]]
        assert matches, f"{case['name']} ({case['reason']}): no {want} among {got}"


# --- every shipped sample ---------------------------------------------------------------------------------------------


def sample_params() -> list[Any]:
    # Whatever the loader lists, so a new sample is covered without touching this file.
    return [
        pytest.param(provider, name, id=f"{provider}/{name}")
        for provider in PROVIDERS
        for name in samples.list_samples(provider)
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_each_provider_ships_json_samples(provider: str) -> None:
    json_samples = [
        n for n in samples.list_samples(provider) if samples.content_type_for(provider, n) == "application/json"
    ]
    assert len(json_samples) >= 3, f"{provider}: too few JSON samples for the acceptance test to mean anything"


@pytest.mark.parametrize(("provider", "name"), sample_params())
def test_every_json_sample_is_accepted_as_stored_and_rendered(provider: str, name: str) -> None:
    content_type = samples.content_type_for(provider, name)
    if content_type != "application/json":
        # Form-encoded IPN: API Gateway applies no JSON model to it (docs/schemas.md); the Lambda validates it.
        assert (provider, content_type) == ("paypal", "application/x-www-form-urlencoded")
        return
    stored = json.loads(samples.load_sample(provider, name))
    body, rendered_type = samples.render_sample(
        provider, name, event_id=None, transaction_id=None, created=1764201600, customer_id=None
    )
    assert rendered_type == "application/json"
    for label, instance in (("stored", stored), ("rendered", json.loads(body))):
        errors = [f"{pointer(e.absolute_path)}: {e.message}" for e in validator(provider).iter_errors(instance)]
        assert errors == [], f"{provider}/{name} ({label}) rejected by the {provider} model"


def test_poison_sample_passes_the_gateway() -> None:
    # The poison event must reach the processor (and fail there into the DLQ), so the model must not catch it.
    body = json.loads(samples.load_sample("stripe", "poison_amount_object"))
    assert isinstance(body["data"]["object"]["amount"], dict), "the poison sample lost its object-valued amount"
    assert list(validator("stripe").iter_errors(body)) == []


def test_stripe_thin_v2_event_is_refused_by_the_model_as_docs_providers_md_says() -> None:
    # Thin event notifications carry no data and object "v2.core.event": a 400 at API Gateway (docs/providers.md).
    thin = {
        "id": "evt_test_65R9Ijk8Lmno3tq7qkCv2fUuuxPVfbpC3AGGAgBrnrjbIO",
        "object": "v2.core.event",
        "type": "v1.billing.meter.error_report_triggered",
        "livemode": False,
        "created": "2024-09-17T06:20:52.246Z",
        "related_object": {"id": "mtr_test_61R9IjkDjqEV6ZbIs41J6Q7hUFF8dsCo", "type": "billing.meter", "url": "/v1/x"},
    }
    reasons = {error.message for error in validator("stripe").iter_errors(thin)}
    assert "'v2.core.event' is not one of ['event']" in reasons
    assert "'data' is a required property" in reasons
