"""`apiforge diff` as users run it: exit codes, formats, and hostile depth without a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import REPO, run_cli, write


def chain(depth: int, last: str) -> dict[str, Any]:
    """A request body reached through `depth` refs, ending in a property of type `last`."""
    schemas: dict[str, Any] = {
        f"S{i}": {"type": "object", "properties": {"a": {"$ref": f"#/components/schemas/S{i + 1}"}}}
        for i in range(depth)
    }
    schemas[f"S{depth}"] = {"type": last}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/S0"}}}}
    op = {"operationId": "x", "requestBody": body, "responses": {"200": {"description": "ok"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/x": {"post": op}},
        "components": {"schemas": schemas},
    }


def test_same_document_is_no_change() -> None:
    spec = str(REPO / "spec" / "provider.yaml")
    done = run_cli("diff", spec, spec)
    assert done.returncode == 0
    assert done.stdout.startswith("0 changes")


def test_a_breaking_change_exits_1_in_every_format(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", chain(3, "string"))
    new = write(tmp_path / "new.json", chain(3, "integer"))
    for fmt in ("text", "json", "github", "markdown"):
        done = run_cli("diff", str(old), str(new), "--format", fmt)
        assert done.returncode == 1, (fmt, done.stderr)
        assert "request-property-type-changed" in done.stdout
    parsed = json.loads(run_cli("diff", str(old), str(new), "--format", "json").stdout)
    assert parsed


def test_a_missing_file_is_bad_input_not_a_breaking_change(tmp_path: Path) -> None:
    done = run_cli("diff", str(tmp_path / "nope.yaml"), str(REPO / "spec" / "provider.yaml"))
    assert done.returncode == 2
    assert "nope.yaml: error: no such file [load]" in done.stdout


def test_a_long_chain_of_refs_is_compared(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", chain(400, "string"))
    new = write(tmp_path / "new.json", chain(400, "integer"))
    done = run_cli("diff", str(old), str(new), "--format", "json")
    assert done.returncode == 1, done.stderr
    [change] = json.loads(done.stdout)["changes"]
    assert change["breaking"] and change["new_pointer"].count("/properties/a") == 400


def test_refs_nested_past_what_can_be_compared_are_bad_input_not_a_crash(tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", chain(10_000, "string"))
    new = write(tmp_path / "new.json", chain(10_000, "integer"))
    done = run_cli("diff", str(old), str(new))
    assert done.returncode == 2  # bad input, not a breaking change
    assert "nest too deeply" in done.stdout
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
