"""A schema made only of allOf parts is one class (the library merges them): it admits undeclared
properties unless a part closes, as its parts do (codat's paged responses lost their extra keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import import_fresh, run_cli

SPEC = {
    "openapi": "3.0.0",
    "info": {"title": "codat", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Page": {
                "allOf": [
                    {"type": "object", "properties": {"results": {"type": "array", "items": {}}}},
                    {
                        "type": "object",
                        "properties": {"pageSize": {"type": "integer"}},
                        "required": ["pageSize"],
                    },
                ]
            },
            "Closed": {
                "allOf": [
                    {"type": "object", "properties": {"a": {"type": "integer"}}},
                    {
                        "type": "object",
                        "properties": {"b": {"type": "integer"}},
                        "additionalProperties": False,
                    },
                ]
            },
        }
    },
}


def test_a_class_of_allof_parts_keeps_what_the_parts_admit(tmp_path: Path) -> None:
    spec = tmp_path / "codat_pages.json"
    spec.write_text(json.dumps(SPEC))
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stdout + done.stderr
    models: Any = import_fresh(tmp_path / "out", "codat_pages.models")
    sent = {"results": [], "pageSize": 10, "": [], "next": "x"}
    page = models.Page.model_validate(sent)
    assert page.model_dump(mode="json", by_alias=True, exclude_unset=True) == sent
    assert models.Closed.model_config.get("extra") != "allow"  # a part closes: not opened
