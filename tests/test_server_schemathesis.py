"""schemathesis (default checks, positive and negative data) against each generated server + mock.

One reading differs from schemathesis' own, for a stated reason: a `text/event-stream` schema.
schemathesis 4 reads it as the schema of the SSE event object (OpenAPI 3.2); our specs mean, per
x-apiforge-stream, the JSON in each `data:` line. Streamed answers are therefore checked here line
by line against that schema, JSON ones by schemathesis. Every status is held to the spec.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
)

from apiforge.document.bundle import load_bundle
from apiforge.serve import load_server_module
from apiforge.serve.mock import mock_handler

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-schemathesis"
DIALECTS = ("provider", "gateway", "sandbox")


def spec_data(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_bundle(REPO / "spec" / f"{name}.yaml").data
    data["servers"] = [{"url": "/"}]  # the generated server serves the spec's paths at its root
    return data


def load(name: str) -> Any:
    module = load_server_module(name, REPO / "generated")
    schema = schemathesis.openapi.from_dict(spec_data(name))
    schema.app = module.create_app(mock_handler(module), api_keys=[KEY], rate_limit=None)
    return schema


def operation_of(data: dict[str, Any], case: Any) -> dict[str, Any]:
    operation: dict[str, Any] = data["paths"][case.operation.path][case.operation.method.lower()]
    return operation


def chunk_validator(data: dict[str, Any], operation: dict[str, Any]) -> jsonschema.Validator:
    media = operation["responses"]["200"]["content"]["text/event-stream"]["schema"]
    cls = jsonschema.validators.validator_for({}, default=jsonschema.Draft202012Validator)
    validator: jsonschema.Validator = cls({**media, "components": data["components"]})
    return validator


def checks_for(name: str) -> tuple[list[Any], list[Any]]:
    """(additional, excluded) checks: our reading of streams replaces the built-in it refines."""
    data = spec_data(name)

    def data_lines_conform(ctx: Any, response: Any, case: Any) -> bool | None:
        media = response.headers.get("content-type", [""])[0]
        if not media.startswith("text/event-stream"):
            return response_schema_conformance(ctx, response, case)
        operation = operation_of(data, case)
        done = operation.get("x-apiforge-stream", {}).get("done", "[DONE]")
        validator = chunk_validator(data, operation)
        lines = [ln[6:] for ln in response.text.splitlines() if ln.startswith("data: ")]
        assert lines and lines[-1] == done, response.text
        for line in lines[:-1]:
            validator.validate(json.loads(line))
        return True

    return [data_lines_conform], [response_schema_conformance]


SCHEMAS = {name: load(name) for name in DIALECTS}


def conformance_test(name: str) -> Any:
    additional, excluded = checks_for(name)

    @SCHEMAS[name].parametrize()  # type: ignore[untyped-decorator]
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def test(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {KEY}"},
            additional_checks=additional,
            excluded_checks=excluded,
        )

    return test


test_provider_conforms = conformance_test("provider")
test_gateway_conforms = conformance_test("gateway")
test_sandbox_conforms = conformance_test("sandbox")


@pytest.mark.parametrize("name", DIALECTS)
def test_streamed_answers_are_checked_too(name: str) -> None:
    """The SSE reading above is not vacuous: a streamed answer of the mock passes it."""
    module = load_server_module(name, REPO / "generated")
    from fastapi.testclient import TestClient

    client = TestClient(module.create_app(mock_handler(module), rate_limit=None))
    answer = client.post(
        "/v1/chat/completions",
        headers={"Authorization": "Bearer k"},
        json={"model": "m", "messages": [{"role": "user", "content": "a b"}], "stream": True},
    )
    data = spec_data(name)
    operation = data["paths"]["/v1/chat/completions"]["post"]
    validator = chunk_validator(data, operation)
    lines = [ln[6:] for ln in answer.text.splitlines() if ln.startswith("data: ")]
    assert len(lines) >= 3 and lines[-1] == "[DONE]"
    for line in lines[:-1]:
        validator.validate(json.loads(line))
