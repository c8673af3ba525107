"""The fidelity yardstick on a small seeded slice: generated code accepts what its spec allows.

Each document goes through bench/fidelity_worker.py as the bench runs it (generate, import, the
response, request and invalid-request checks), with few instances so the slice stays fast.
Known failures are xfail(strict=True) on tiny constructed documents: when a fix lands the test
passes, fails as an unexpected pass, and whoever landed it removes the mark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
from fidelity_values import difference, instances, mutations, same_on_the_wire  # noqa: E402

WORKER = REPO / "bench" / "fidelity_worker.py"
# the one class the dialects still show: models drop the undeclared keys the spec allows
UNDECLARED = ("dump differs: undeclared", "body dump differs: undeclared")


def run_worker(spec: Path, work: Path, examples: int = 6) -> dict[str, Any]:
    command = [sys.executable, str(WORKER), str(spec), str(work), "--seed", "1"]
    command += ["--examples", str(examples), "--invalid", "8"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["stages"] == {"generate": "pass", "import": "pass", "checks": "pass"}, result
    return result


def failures(result: dict[str, Any], direction: str) -> dict[str, Any]:
    return dict(result["tallies"][direction]["failures"])


def write_spec(tmp_path: Path, text: str) -> Path:
    spec = tmp_path / "spec" / "tiny.yaml"
    spec.parent.mkdir(parents=True)
    spec.write_text(textwrap.dedent(text))
    return spec


def tiny(version: str, schema: str, request: bool = True) -> str:
    """A document with one operation: POST /things takes and returns `Thing`."""
    body = textwrap.indent(
        textwrap.dedent("""\
            requestBody:
              required: true
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Thing"}
        """),
        "      ",
    )
    return (
        f"openapi: {version}\ninfo: {{title: Tiny, version: '1'}}\npaths:\n  /things:\n"
        f"    post:\n      operationId: makeThing\n{body if request else ''}"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n"
        '              schema: {$ref: "#/components/schemas/Thing"}\n'
        "        '400':\n          description: bad\n"
        f"components:\n  schemas:\n    Thing:\n{textwrap.indent(textwrap.dedent(schema), '      ')}"
    )


@pytest.mark.parametrize("dialect", ["gateway", "provider", "sandbox"])
def test_dialect_chat_operation_round_trips(dialect: str, tmp_path: Path) -> None:
    result = run_worker(REPO / "spec" / f"{dialect}.yaml", tmp_path)
    tallies = result["tallies"]
    assert tallies["responses"]["instances"] > 0 and tallies["requests"]["instances"] > 0
    assert tallies["invalid"]["instances"] > 0 and not failures(result, "invalid")
    for direction in ("responses", "requests"):
        other = [c for c in failures(result, direction) if not c.startswith(UNDECLARED)]
        assert not other, failures(result, direction)


CLOSED = """\
type: object
additionalProperties: false
required: [name, size]
properties:
  name: {type: string, maxLength: 20}
  size: {type: integer, minimum: 0, maximum: 100}
  kind: {type: string, enum: [small, large]}
  tags: {type: array, items: {type: string}, maxItems: 3}
  when: {type: string, format: date-time}
"""


def test_a_closed_schema_is_clean_in_every_direction(tmp_path: Path) -> None:
    result = run_worker(write_spec(tmp_path, tiny("3.1.0", CLOSED)), tmp_path)
    for direction in ("responses", "requests", "invalid"):
        assert result["tallies"][direction]["instances"] > 0
        assert not failures(result, direction), (direction, failures(result, direction))


def test_openapi_30_nullable_required_property_round_trips(tmp_path: Path) -> None:
    schema = """\
        type: object
        additionalProperties: false
        required: [name]
        properties:
          name: {type: string, nullable: true}
    """
    result = run_worker(write_spec(tmp_path, tiny("3.0.3", schema)), tmp_path)
    assert not failures(result, "responses") and not failures(result, "requests")


def test_optional_const_property_round_trips(tmp_path: Path) -> None:
    schema = """\
        type: object
        additionalProperties: false
        properties:
          kind: {const: thing}
          note: {type: [string, "null"]}
    """
    result = run_worker(write_spec(tmp_path, tiny("3.1.0", schema)), tmp_path)
    assert not failures(result, "responses") and not failures(result, "requests")


def test_undeclared_properties_survive_the_round_trip(tmp_path: Path) -> None:
    schema = """\
        type: object
        properties:
          name: {type: string}
    """
    result = run_worker(write_spec(tmp_path, tiny("3.1.0", schema)), tmp_path, examples=12)
    assert not failures(result, "responses") and not failures(result, "requests")


def test_instances_are_valid_and_mutations_invalid() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "required": ["v"],
                "properties": {
                    "v": {"type": "integer", "minimum": 0},
                    "kids": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                },
            }
        },
    }
    found, why = instances(schema, 8, seed=1)
    assert found and not why  # recursive refs are inlined once, then generate nothing
    from jsonschema import Draft202012Validator

    check = Draft202012Validator(schema)
    assert all(check.is_valid(v) for v in found)
    invalid = mutations(schema, found, 10, seed=1)
    assert invalid and not any(check.is_valid(v) for _, v, _ in invalid)


@pytest.mark.parametrize(
    ("sent", "got", "expected"),
    [
        ({"a": 1}, {"a": 1.0}, None),
        ({"a": 1}, {"a": True}, "type changed (number -> boolean)"),
        ({"a": None}, {}, "null-valued key lost"),
        ({}, {"a": 1}, "key added (number)"),
        ({"t": "2020-01-01T00:00:00Z"}, {"t": "2020-01-01T00:00:00+00:00"}, "string reformatted"),
        ([1, 2], [1], "array length changed"),
    ],
)
def test_difference_classes(sent: Any, got: Any, expected: str | None) -> None:
    found = difference(sent, got)
    assert (found[0] if found else None) == expected


@pytest.mark.parametrize(
    ("sent", "got", "same"),
    [
        ([4, "rl", 14], ["4", "rl", "14"], True),  # pandascore's `videogame`: int or string
        (True, "true", True),
        (1.5, "1.5", True),
        (4, "5", False),
        ([4], ["4", "5"], False),
        ({"a": 1}, {"a": "1"}, True),
    ],
)
def test_a_parameter_read_as_its_text_is_the_one_sent(sent: Any, got: Any, same: bool) -> None:
    assert same_on_the_wire(sent, got) is same
