"""Documents nested 1,000 levels deep: every command takes them; generated code still imports and
type-checks; 1,001 levels are refused with our message, whichever layer notices first."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from apiforge.document import load
from apiforge.repair.limits import MAX_LITERAL_DEPTH, MAX_SCHEMA_DEPTH, limit_for_models
from tests.helpers import mypy_strict, run_cli


def nested_properties(levels: int) -> str:
    """JSON text of an object schema whose property holds the next one, `levels` times."""
    text = '{"type": "string"}'
    for i in range(levels):
        text = f'{{"type": "object", "properties": {{"p{i}": {text}}}}}'
    return text


def document(schema: str, example: str = "null") -> str:
    """An API with one operation whose body is `schema` (components/schemas/Deep): JSON text."""
    body = '{"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deep"}}}}'
    operation = (
        f'{{"operationId": "postDeep", "requestBody": {body}, '
        '"responses": {"200": {"description": "ok"}}}'
    )
    return (
        '{"openapi": "3.1.0", "info": {"title": "deep", "version": "1"}, '
        f'"paths": {{"/deep": {{"post": {operation}}}}}, '
        f'"components": {{"schemas": {{"Deep": {schema}, "Sample": {{"example": {example}}}}}}}}}'
    )


def depth_of(text: str) -> int:
    """Levels below the root, as the loader counts them (brackets, outside strings)."""
    depth = deepest = 0
    for char in text:  # our test documents hold no brackets inside strings
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest - 1


# levels of schema nesting that make the document exactly MAX_DEPTH levels deep below its root
SCHEMA_LEVELS = (load.MAX_DEPTH - 4) // 2


@pytest.fixture(scope="module")
def deep_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("deep")
    text = document(nested_properties(SCHEMA_LEVELS))
    assert depth_of(text) in (load.MAX_DEPTH - 1, load.MAX_DEPTH)
    (project / "spec").mkdir()
    (project / "spec" / "deep.json").write_text(text)
    return project


def test_a_thousand_levels_validate(deep_project: Path) -> None:
    done = run_cli("validate", "spec/deep.json", cwd=deep_project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_thousand_levels_generate_code_that_imports_and_type_checks(deep_project: Path) -> None:
    done = run_cli("generate", "spec/deep.json", "--out", "out", cwd=deep_project)
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    [warning] = [line for line in output.splitlines() if "nest deeper than" in line]
    assert warning.startswith("spec/deep.json:1:") and ": warning: " in warning
    assert f"deeper than {MAX_SCHEMA_DEPTH} levels" in warning
    code = (  # a body 100 levels deep goes through the models and back unchanged
        "import out.deep.client, out.deep.server\n"
        "from out.deep.models import Deep\n"
        f"body = value = {{}}\n"
        f"for i in range({SCHEMA_LEVELS - 1}, {SCHEMA_LEVELS - 101}, -1):\n"
        "    value[f'p{i}'] = value = {}\n"
        "assert Deep.model_validate(body).model_dump(exclude_none=True) == body\n"
    )
    imported = subprocess.run(
        [sys.executable, "-c", code], cwd=deep_project, capture_output=True, text=True
    )
    assert imported.returncode == 0, imported.stderr
    checked = mypy_strict("out/deep", cwd=deep_project)
    assert checked.returncode == 0, checked.stdout


def test_a_thousand_levels_diff(deep_project: Path) -> None:
    old = deep_project / "spec" / "deep.json"
    new = deep_project / "changed.json"
    new.write_text(old.read_text().replace('{"type": "string"}', '{"type": "integer"}', 1))
    done = run_cli("diff", str(old), str(new), "--format", "json")
    assert done.returncode == 1, done.stderr
    [change] = json.loads(done.stdout)["changes"]
    assert change["breaking"] is True
    assert change["new_pointer"].count("/properties/") == SCHEMA_LEVELS


@pytest.mark.parametrize("command", ["validate", "generate", "diff"])
def test_one_level_more_is_refused_by_every_command(tmp_path: Path, command: str) -> None:
    levels = load.MAX_DEPTH - 2  # below the root: components, schemas, Sample, then the lists
    spec = tmp_path / "deep.yaml"  # YAML: libyaml (PyYAML >= 6.0.4) has a limit of its own
    spec.write_text(document('{"type": "string"}', "[" * levels + "]" * levels))
    assert depth_of(spec.read_text()) == load.MAX_DEPTH + 1
    args = {"validate": [], "generate": ["--out", str(tmp_path / "out")], "diff": [str(spec)]}
    done = run_cli(command, str(spec), *args[command])
    assert done.returncode == (2 if command == "diff" else 1), done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert f"error: document is nested deeper than {load.MAX_DEPTH} levels" in output
    assert "Traceback" not in output
    assert not (tmp_path / "out").exists()


def test_a_literal_too_deep_for_python_is_left_out_with_a_warning(tmp_path: Path) -> None:
    levels = 400
    spec = tmp_path / "api.yaml"
    spec.write_text(document('{"type": "string"}', "[" * levels + "]" * levels))
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(at #/components/schemas/Sample/example)" in done.stdout + done.stderr
    models = tmp_path / "out" / "api" / "models.py"
    compile(models.read_text(), str(models), "exec")


# --- the limits, one by one -----------------------------------------------------------------------


def components(schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "components": {"schemas": schemas}}


def chain_of_refs(length: int) -> dict[str, Any]:
    """S0 -> S1 -> ... -> S{length-1}: each an object whose `next` is a ref to the following."""
    schemas: dict[str, Any] = {f"S{length - 1}": {"type": "string"}}
    for i in range(length - 1):
        schemas[f"S{i}"] = {
            "type": "object",
            "properties": {"next": {"$ref": f"#/components/schemas/S{i + 1}"}},
        }
    return components(schemas)


def height(doc: dict[str, Any], name: str) -> int:
    """Schema levels below components/schemas/NAME, following refs (no cycles in these tests)."""
    node = doc["components"]["schemas"][name]
    levels = 0
    while True:
        if "$ref" in node:
            node = doc["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        elif "properties" in node:
            [node] = node["properties"].values()
        else:
            return levels
        levels += 1


def test_a_chain_of_refs_is_cut_below_the_limit() -> None:
    doc = chain_of_refs(200)
    assert height(doc, "S0") >= MAX_SCHEMA_DEPTH
    fixes = limit_for_models(doc)
    assert fixes and all("generated as Any" in f.message for f in fixes)
    assert {(f.rule, f.severity.value) for f in fixes} == {("repair", "warning")}
    assert all(height(doc, f"S{i}") < MAX_SCHEMA_DEPTH for i in range(200))
    assert all(f.pointer.startswith("#/components/schemas/S") for f in fixes)
    assert all(f.pointer.endswith("/properties/next") for f in fixes)  # the ref, not its target


def test_schemas_within_the_limit_and_cycles_are_left_alone() -> None:
    doc = chain_of_refs(MAX_SCHEMA_DEPTH // 2)
    doc["components"]["schemas"]["Tree"] = {
        "type": "object",
        "properties": {
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}
        },
    }
    before = json.dumps(doc, sort_keys=True)
    assert limit_for_models(doc) == []
    assert json.dumps(doc, sort_keys=True) == before


def test_deep_defaults_and_enums_are_dropped_shallow_ones_kept() -> None:
    deep: Any = []
    for _ in range(MAX_LITERAL_DEPTH + 1):
        deep = [deep]
    shallow = [[1, 2], [3]]
    doc = components(
        {
            "A": {"type": "array", "default": deep, "enum": [deep], "example": shallow},
            "B": {"type": "array", "default": shallow},
        }
    )
    fixes = limit_for_models(doc)
    assert sorted(f.pointer for f in fixes) == [
        "#/components/schemas/A/default",
        "#/components/schemas/A/enum",
    ]
    assert doc["components"]["schemas"] == {
        "A": {"type": "array", "example": shallow},
        "B": {"type": "array", "default": shallow},
    }
