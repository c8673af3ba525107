"""3.0 -> 3.1 migrations: each side is read by its own `openapi` version, and the result says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from apiforge.diff import DiffResult, diff_documents
from apiforge.diff.report import FORMATS, format_github, format_json, format_markdown, format_text
from apiforge.diff.side_versions import (
    major_minor,
    nullable_is_keyword,
    openapi_version,
    version_warnings,
)
from tests.helpers import run_cli

DATA = Path(__file__).resolve().parents[1] / "data" / "diff"
TEMPERATURE = (
    "#/paths/~1v1~1chat~1completions/post/requestBody/content/application~1json/schema"
    "/properties/temperature"
)


def load(name: str, openapi: str | None = None) -> dict[str, Any]:
    """A fixture, with its `openapi` version replaced when told: a version bump and nothing else."""
    loaded: dict[str, Any] = yaml.safe_load((DATA / name).read_text())
    if openapi is not None:
        loaded["openapi"] = openapi
    return loaded


def unmigrated() -> DiffResult:
    """chat-3.0.yaml relabelled 3.1.0 without migrating its `nullable: true`s."""
    return diff_documents(load("chat-3.0.yaml"), load("chat-3.0.yaml", "3.1.0"))


# --- reading the version ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "text", "pair"),
    [
        ({"openapi": "3.0.3"}, "3.0.3", (3, 0)),
        ({"openapi": " 3.1.0 "}, "3.1.0", (3, 1)),
        ({"openapi": 3.1}, "3.1", (3, 1)),  # unquoted in YAML
        ({"swagger": "2.0"}, None, None),
        ({"openapi": True}, None, None),
        ({"openapi": "latest"}, "latest", None),
        ([], None, None),
    ],
)
def test_openapi_version_is_read_leniently(
    doc: Any, text: str | None, pair: tuple[int, int] | None
) -> None:
    assert openapi_version(doc) == text
    assert major_minor(openapi_version(doc)) == pair


@pytest.mark.parametrize(
    ("version", "keyword"),
    [("3.0.0", True), ("3.0.3", True), ("3.1.0", False), ("3.1.1", False), ("3.2.0", False)],
)
def test_nullable_is_a_keyword_only_before_3_1(version: str, keyword: bool) -> None:
    assert nullable_is_keyword({"openapi": version}) is keyword


def test_a_document_without_a_version_keeps_the_3_0_reading() -> None:
    assert nullable_is_keyword({}) is True


# --- verdicts -----------------------------------------------------------------------------------


def test_migrated_fixture_is_no_change_either_way() -> None:
    """`nullable: true` rewritten as `type: [.., "null"]` and null branches: nothing changed."""
    for old, new in (("chat-3.0.yaml", "chat-3.1.yaml"), ("chat-3.1.yaml", "chat-3.0.yaml")):
        result = diff_documents(load(old), load(new))
        assert result.changes == ()
        assert result.ok


def test_unmigrated_nullable_is_the_nullability_change_it_is() -> None:
    """In 3.1 the copied `nullable: true` admits no null: breaking for what clients send."""
    result = unmigrated()
    verdicts = {(c.kind, c.breaking) for c in result.changes}
    assert verdicts == {
        ("request-property-became-not-nullable", True),
        ("response-property-became-not-nullable", False),
    }
    assert not result.ok
    temperature = next(c for c in result.changes if c.kind.startswith("request-"))
    assert temperature.pointer == TEMPERATURE
    assert temperature.detail.startswith("became not nullable")
    assert "`nullable` is no keyword in 3.1" in temperature.detail


def test_unmigrated_3_1_back_to_3_0_becomes_nullable() -> None:
    """The reverse, 3.1 -> 3.0: the 3.0 reading turns the inert `nullable` back on."""
    result = diff_documents(load("chat-3.0.yaml", "3.1.0"), load("chat-3.0.yaml"))
    verdicts = {(c.kind, c.breaking) for c in result.changes}
    assert verdicts == {
        ("request-property-became-nullable", False),
        ("response-property-became-nullable", True),
    }


def test_same_document_under_one_version_is_no_change() -> None:
    for version in ("3.0.3", "3.1.0"):
        doc = load("chat-3.0.yaml", version)
        assert diff_documents(doc, load("chat-3.0.yaml", version)).changes == ()


# --- the warning ----------------------------------------------------------------------------------


def test_warning_names_both_versions_and_what_differs() -> None:
    (warning,) = unmigrated().warnings
    assert warning == (
        "OLD is OpenAPI 3.0.3 and NEW is 3.1.0: each side is judged by its own version "
        '(in 3.1 `nullable` is not a keyword; null comes from type: [.., "null"])'
    )
    (reverse,) = version_warnings({"openapi": "3.1.0"}, {"openapi": "3.0.3"})
    assert reverse.startswith("OLD is OpenAPI 3.1.0 and NEW is 3.0.3: ")


def test_warning_leaves_out_nullable_when_both_sides_read_it_alike() -> None:
    (warning,) = version_warnings({"openapi": "3.1.0"}, {"openapi": "3.2.0"})
    assert (
        warning == "OLD is OpenAPI 3.1.0 and NEW is 3.2.0: each side is judged by its own version"
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("3.0.3", "3.0.3"),
        ("3.0.0", "3.0.3"),
        ("3.1.0", "3.1.0"),
        ("3.1.0", "3.1.1"),
        ("3.1.0", None),
    ],
)
def test_no_warning_within_one_major_minor(old: str, new: str | None) -> None:
    old_doc = {"openapi": old}
    new_doc = {"openapi": new} if new is not None else {}
    assert version_warnings(old_doc, new_doc) == ()


def _shown(fmt: str, result: DiffResult) -> list[str]:
    """The warnings as `fmt` shows them."""
    text = FORMATS[fmt](result)
    if fmt == "json":
        warnings: list[str] = json.loads(text)["warnings"]
        return warnings
    marker = {"text": "warning: OLD is", "github": "::warning::", "markdown": "> **Warning:** "}
    return [line for line in text.splitlines() if line.startswith(marker[fmt])]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_shows_the_warning_when_versions_differ(fmt: str) -> None:
    result = diff_documents(load("chat-3.0.yaml"), load("chat-3.1.yaml"))
    shown = _shown(fmt, result)
    assert len(shown) == 1
    assert "OLD is OpenAPI 3.0.3 and NEW is 3.1.0" in shown[0]
    assert "`nullable` is not a keyword" in shown[0]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_no_format_shows_a_warning_for_one_version(fmt: str, version: str) -> None:
    result = diff_documents(load("chat-3.0.yaml", version), load("chat-3.1.yaml", version))
    assert result.warnings == ()
    assert _shown(fmt, result) == []
    assert "OpenAPI" not in FORMATS[fmt](result)


def test_warning_placement_in_each_format() -> None:
    result = unmigrated()
    assert format_text(result).splitlines()[0].startswith("warning: OLD is OpenAPI 3.0.3")
    assert format_github(result).splitlines()[0].startswith("::warning::OLD is OpenAPI 3.0.3")
    markdown = format_markdown(result)
    assert markdown.index("> **Warning:** OLD is") < markdown.index("## Breaking changes")
    assert json.loads(format_json(result))["summary"]["ok"] is False


def test_github_warning_is_escaped() -> None:
    result = DiffResult((), warnings=("two\nlines, 100%",))
    assert "::warning::two%0Alines, 100%25" in format_github(result).splitlines()


def test_the_warning_never_fails_the_build() -> None:
    result = diff_documents(load("chat-3.0.yaml"), load("chat-3.1.yaml"))
    assert result.warnings and result.ok
    assert json.loads(format_json(result))["summary"]["ok"] is True


# --- as users run it ------------------------------------------------------------------------------


def test_cli_warns_and_exits_by_the_changes_alone(tmp_path: Path) -> None:
    unmigrated_path = tmp_path / "unmigrated.json"
    unmigrated_path.write_text(json.dumps(load("chat-3.0.yaml", "3.1.0")))
    old = str(DATA / "chat-3.0.yaml")
    migrated = run_cli("diff", old, str(DATA / "chat-3.1.yaml"))
    assert migrated.returncode == 0, migrated.stderr
    assert migrated.stdout.startswith("warning: OLD is OpenAPI 3.0.3 and NEW is 3.1.0")
    broken = run_cli("diff", old, str(unmigrated_path), "--format", "github")
    assert broken.returncode == 1, broken.stderr
    assert broken.stdout.startswith("::warning::OLD is OpenAPI 3.0.3 and NEW is 3.1.0")
    assert any(
        line.startswith("::error ") and ",title=request-property-became-not-nullable::" in line
        for line in broken.stdout.splitlines()
    )
