"""Formatters: JSON parses and is stable, GitHub annotations, Markdown sections, text diagnostics."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from apiforge.diff import DECLARATIONS_KEY, DiffResult, diff_documents
from apiforge.diff.report import FORMATS, format_github, format_json, format_markdown, format_text
from apiforge.document import pointer as jp

DATA = Path(__file__).resolve().parents[1] / "data" / "diff"


@dataclass(frozen=True)
class Loc:
    file: str
    line: int
    col: int


def locator(file: str) -> Any:
    """A stand-in for the loader: the line is the pointer's depth."""
    return lambda pointer: Loc(file, len(jp.split(pointer)) + 1, 3)


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DATA / name).read_text())
    return loaded


def result(new: dict[str, Any] | None = None) -> DiffResult:
    return diff_documents(
        load("chat-3.1.yaml"),
        new or load("chat-3.1-breaking.yaml"),
        old_locate=locator("old.yaml"),
        new_locate=locator("new.yaml"),
    )


def test_json_parses_and_summarises() -> None:
    body = json.loads(format_json(result()))
    assert body["summary"] == {
        "changes": 4,
        "breaking": 4,
        "undeclared_breaking": 2,
        "declared_breaking": 2,
        "non_breaking": 0,
        "unused_declarations": 1,
        "errors": 0,
        "ok": False,
        "compared": True,
    }
    kinds = [c["kind"] for c in body["changes"]]
    assert "request-property-became-required" in kinds
    removed = next(c for c in body["changes"] if c["kind"] == "response-property-removed")
    assert removed["new_pointer"] is None
    assert removed["old_location"]["file"] == "old.yaml"
    assert removed["new_location"]["file"] == "new.yaml"
    declared = next(c for c in body["changes"] if c["declared"])
    assert declared["reason"]
    assert body["unused_declarations"][0]["kind"] == "api-removed-without-deprecation"


def test_json_is_byte_stable() -> None:
    assert format_json(result()) == format_json(result())
    text = format_json(result())
    assert json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n" == text


def test_github_annotations() -> None:
    lines = format_github(result()).splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    warnings = [line for line in lines if line.startswith("::warning ")]
    assert len(errors) == 2 and len(warnings) == 3
    assert any(
        line.startswith("::error file=new.yaml,line=")
        and ",title=request-property-max-decreased::" in line
        and "`temperature`" in line
        for line in errors
    )
    assert any("title=unused-declaration::" in line for line in warnings)
    assert any("declared breaking: user is now mandatory" in line for line in warnings)
    assert lines[-1].startswith("apiforge diff: 4 changes")


def test_github_escapes_properties_and_data() -> None:
    new = load("chat-3.1-breaking.yaml")
    new[DECLARATIONS_KEY] = [{"pointer": "#/paths", "reason": "line one\nline two, 100%"}]
    res = diff_documents(load("chat-3.1.yaml"), new, new_locate=locator("a,b:c.yaml"))
    text = format_github(res)
    assert "file=a%2Cb%3Ac.yaml" in text
    assert "line one%0Aline two, 100%25" in text


def test_github_without_locations_omits_file() -> None:
    res = diff_documents(load("chat-3.1.yaml"), load("chat-3.1-breaking.yaml"))
    assert "::error title=request-property-max-decreased::" in format_github(res)


def test_markdown_sections_and_readable_places() -> None:
    text = format_markdown(result())
    breaking = text.index("## Breaking changes")
    declared = text.index("## Declared breaking changes")
    other = text.index("## Other changes")
    problems = text.index("## Declaration problems")
    assert breaking < declared < other < problems
    assert (
        "- `POST /v1/chat/completions` request body property `temperature`: "
        "maximum decreased from 2 to 1.5 (`request-property-max-decreased`)"
    ) in text[breaking:declared]
    assert "property `user`: became required — user is now mandatory" in text[declared:other]
    assert "_None._" in text[other:problems]


def test_text_diagnostics() -> None:
    lines = format_text(result()).splitlines()
    assert lines[0].startswith("new.yaml:")
    assert ": error: `POST /v1/chat/completions` request body property `temperature`" in lines[0]
    assert lines[0].endswith(
        "[request-property-max-decreased] (at #/paths/~1v1~1chat~1completions/post/requestBody"
        "/content/application~1json/schema/properties/temperature)"
    )
    assert any(": warning: " in line and "(declared: " in line for line in lines)
    assert any("[unused-declaration]" in line for line in lines)
    assert lines[-1] == (
        "4 changes: 4 breaking (2 undeclared, 2 declared), 0 non-breaking, 1 unused declaration(s)"
    )


def test_malformed_declarations_in_every_format() -> None:
    new = load("chat-3.1-breaking.yaml")
    new[DECLARATIONS_KEY].append({"pointer": "#/paths"})
    res = result(new)
    assert "[malformed-declaration]" in format_text(res)
    assert "title=malformed-declaration::`reason` is required" in format_github(res)
    assert "`reason` is required" in format_markdown(res)
    assert json.loads(format_json(res))["errors"][0]["pointer"] == f"#/{DECLARATIONS_KEY}/3"


def test_no_changes() -> None:
    res = diff_documents(load("chat-3.0.yaml"), load("chat-3.1.yaml"))
    warning, summary = format_text(res).splitlines()  # 3.0 vs 3.1: the version warning first
    assert warning.startswith("warning: OLD is OpenAPI 3.0.3 and NEW is 3.1.0")
    assert summary == "0 changes: 0 breaking (0 undeclared, 0 declared), 0 non-breaking"
    assert format_markdown(res).count("_None._") == 3
    assert json.loads(format_json(res))["summary"]["ok"] is True
    assert set(FORMATS) == {"text", "json", "github", "markdown"}
