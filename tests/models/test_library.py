"""library: datamodel-code-generator called once per input, its output kept by the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiforge.models import library
from apiforge.models.cache import OFF, ModelCache
from apiforge.plan.operations import plan_data

PETS = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "components": {
        "schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}
    },
}


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The headers `run_library` was called with, the library still running."""
    seen: list[str] = []
    real = library.run_library

    def counting(text: str, header: str) -> library.LibraryOutput:
        seen.append(header)
        return real(text, header)

    monkeypatch.setattr(library, "run_library", counting)
    return seen


def test_a_plan_without_schemas_never_reaches_the_library(calls: list[str]) -> None:
    empty = {**PETS, "components": {}}
    assert library.library_output(plan_data(empty), "# h") is None
    assert calls == []


def test_the_cache_answers_the_same_input_and_header(calls: list[str], tmp_path: Path) -> None:
    cache = ModelCache(tmp_path / "cache")
    plan = plan_data(PETS)
    first = library.library_output(plan, "# one", cache)
    assert isinstance(first, str) and first.startswith("# one\n")
    assert "class Pet(BaseModel)" in first
    assert library.library_output(plan_data(PETS), "# one", cache) == first
    assert calls == ["# one"]
    library.library_output(plan, "# two", cache)  # the header is part of the output
    library.library_output(plan, "# one", OFF)
    assert calls == ["# one", "# two", "# one"]
