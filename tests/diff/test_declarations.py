"""`x-apiforge-breaking`: declared breaks pass, everything else about declarations is reported."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from apiforge.diff import DECLARATIONS_KEY, diff_documents, parse_declarations

DATA = Path(__file__).resolve().parents[1] / "data" / "diff"
PROP = "#/paths/~1pets/post/requestBody/content/application~1json/schema/properties/"


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DATA / name).read_text())
    return loaded


def pets(props: dict[str, Any], required: list[str], declarations: Any = None) -> dict[str, Any]:
    schema = {"type": "object", "properties": props, "required": required}
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "post": {
                    "requestBody": {
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                        }
                    },
                    "responses": {"204": {"description": "done"}},
                }
            }
        },
        "components": {"schemas": {"Pet": schema}},
    }
    if declarations is not None:
        doc[DECLARATIONS_KEY] = declarations
    return copy.deepcopy(doc)


OLD = pets({"name": {"type": "string"}, "tag": {"type": "string"}}, [])


def new_with(declarations: Any) -> dict[str, Any]:
    """`tag` became required and `name` was removed (breaking only if extra props are closed)."""
    return pets({"name": {"type": "string"}, "tag": {"type": "string"}}, ["tag"], declarations)


def test_undeclared_break_fails() -> None:
    result = diff_documents(OLD, new_with(None))
    assert [c.kind for c in result.undeclared_breaking] == ["request-property-became-required"]
    assert not result.ok


def test_declared_break_passes_and_carries_the_reason() -> None:
    decl = [
        {"pointer": PROP + "tag", "kind": "request-property-became-required", "reason": "agreed"}
    ]
    result = diff_documents(OLD, new_with(decl))
    assert result.ok
    assert result.undeclared_breaking == ()
    (change,) = result.declared_breaking
    assert [d.reason for d in change.declarations] == ["agreed"]
    assert result.unused_declarations == ()


def test_kind_may_be_omitted_and_a_parent_pointer_covers_children() -> None:
    result = diff_documents(OLD, new_with([{"pointer": "#/paths/~1pets/post", "reason": "v2"}]))
    assert result.ok and len(result.declared_breaking) == 1


def test_pointer_without_hash_is_accepted() -> None:
    result = diff_documents(OLD, new_with([{"pointer": "/paths/~1pets", "reason": "v2"}]))
    assert result.ok


def test_component_pointer_covers_every_use() -> None:
    decl = [{"pointer": "#/components/schemas/Pet", "reason": "shared model changed"}]
    assert diff_documents(OLD, new_with(decl)).ok


def test_prefix_must_end_on_a_token_boundary() -> None:
    result = diff_documents(OLD, new_with([{"pointer": PROP + "ta", "reason": "typo"}]))
    assert not result.ok
    assert [d.pointer for d in result.unused_declarations] == [PROP + "ta"]


def test_wrong_kind_does_not_match_and_is_unused() -> None:
    decl = [{"pointer": PROP + "tag", "kind": "request-property-removed", "reason": "wrong"}]
    result = diff_documents(OLD, new_with(decl))
    assert not result.ok
    assert len(result.undeclared_breaking) == 1
    assert [d.kind for d in result.unused_declarations] == ["request-property-removed"]


def test_removal_is_declared_with_the_old_pointer() -> None:
    old = pets({"a": {"type": "string"}, "b": {"type": "string"}}, [])
    old["components"]["schemas"]["Pet"]["additionalProperties"] = False
    new = pets({"a": {"type": "string"}}, [], [{"pointer": PROP + "b", "reason": "b is gone"}])
    new["components"]["schemas"]["Pet"]["additionalProperties"] = False
    result = diff_documents(old, new)
    (change,) = result.changes
    assert change.kind == "request-property-removed" and change.new_pointer is None
    assert result.ok


def test_declaring_a_non_breaking_change_is_unused() -> None:
    new = pets({"name": {"type": "string"}, "tag": {"type": "string"}, "x": {}}, [])
    new[DECLARATIONS_KEY] = [{"pointer": PROP + "x", "reason": "not needed"}]
    result = diff_documents(OLD, new)
    assert result.ok
    assert len(result.unused_declarations) == 1


def test_declarations_key_itself_is_not_a_change() -> None:
    old = new_with([{"pointer": "#/paths", "reason": "a"}])
    new = new_with([{"pointer": "#/info", "reason": "b"}])
    assert diff_documents(old, new).changes == ()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"pointer": "#/paths"}, "`reason` is required"),
        ({"pointer": "#/paths", "reason": "  "}, "`reason` is required"),
        ({"reason": "x"}, "`pointer` must be a JSON pointer"),
        ({"pointer": "paths/x", "reason": "x"}, "is not a JSON pointer"),
        (
            {"pointer": "#/paths", "reason": "x", "kind": "request-property-became-requried"},
            "did you mean",
        ),
        ({"pointer": "#/paths", "reason": "x", "why": "y"}, "unknown key `why`"),
        ("#/paths", "must be a mapping"),
    ],
)
def test_malformed_entries_are_errors_and_declare_nothing(raw: Any, message: str) -> None:
    result = diff_documents(OLD, new_with([raw]))
    assert result.declarations == ()
    assert len(result.errors) >= 1
    assert any(message in e.message for e in result.errors), result.errors
    assert result.errors[0].pointer == f"#/{DECLARATIONS_KEY}/0"
    assert not result.ok


def test_declarations_must_be_a_list() -> None:
    result = diff_documents(OLD, new_with({"pointer": "#/paths", "reason": "x"}))
    assert [e.message for e in result.errors] == [f"{DECLARATIONS_KEY} must be a list"]


def test_errors_and_declarations_are_located() -> None:
    def locate(pointer: str) -> Any:
        return type("Loc", (), {"file": "new.yaml", "line": pointer.count("/"), "col": 1})()

    declarations, errors = parse_declarations(
        {DECLARATIONS_KEY: [{"pointer": "#/a", "reason": "r"}, {"pointer": "#/b"}]}, locate
    )
    assert declarations[0].location is not None and declarations[0].location.line == 2
    assert errors[0].location is not None and errors[0].pointer == f"#/{DECLARATIONS_KEY}/1"


def test_yaml_fixtures_3_0_to_3_1_conversion_is_no_change() -> None:
    assert diff_documents(load("chat-3.0.yaml"), load("chat-3.1.yaml")).changes == ()
    assert diff_documents(load("chat-3.1.yaml"), load("chat-3.0.yaml")).changes == ()


def test_yaml_fixture_with_declarations() -> None:
    result = diff_documents(load("chat-3.1.yaml"), load("chat-3.1-breaking.yaml"))
    assert {c.kind for c in result.undeclared_breaking} == {
        "request-property-max-decreased",
        "response-property-removed",
    }
    assert {c.kind for c in result.declared_breaking} == {
        "request-property-became-required",
        "response-property-enum-value-added",
    }
    assert [d.kind for d in result.unused_declarations] == ["api-removed-without-deprecation"]
    assert result.errors == ()
    assert result.non_breaking == ()
