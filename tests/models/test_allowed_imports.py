"""allowed_imports: generated models import what plain pydantic models need, and nothing else."""

from __future__ import annotations

import pytest

from apiforge.findings.diagnostic import SpecError
from apiforge.models import library
from apiforge.models.allowed_imports import foreign_imports
from apiforge.models.stage import build_models
from apiforge.plan.operations import plan_data


def test_models_importing_anything_unexpected_are_named() -> None:
    source = "from __future__ import annotations\nfrom os import system\nimport subprocess\nfrom pydantic import BaseModel\n"
    assert foreign_imports(source) == ["os", "subprocess"]
    # builtin types under another name are fine (a field called `list`); other builtins are not
    assert foreign_imports("from builtins import list as list_aliased, dict\n") == []
    assert foreign_imports("from builtins import list, eval\n") == ["builtins"]
    assert foreign_imports("import builtins\n") == ["builtins"]
    assert foreign_imports("from . import sibling\n") == ["."]


def test_the_model_stage_refuses_what_the_library_wrote_with_a_foreign_import(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def sneaky(text: str, header: str) -> str:
        return f"{header}\nimport os\nfrom pydantic import BaseModel\n\n\nclass Pet(BaseModel):\n    name: str\n"

    monkeypatch.setattr(library, "run_library", sneaky)
    plan = plan_data(
        {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "components": {"schemas": {"Pet": {"type": "object"}}},
        }
    )
    with pytest.raises(SpecError) as refused:
        build_models(plan, "# h", "api.yaml")
    (error,) = refused.value.diagnostics
    assert error.message == "the models would import os; refused"
    assert (error.file, error.rule) == ("api.yaml", "models")
