"""repair: harmless mistakes of real documents are fixed with a located warning; nothing else is."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from apiforge.document.bundle import load_bundle
from apiforge.pipeline import generate
from apiforge.repair.defaults import default_checker, plainly_fits
from apiforge.repair.mistakes import repair_bundle
from tests.helpers import import_fresh


def repaired(
    tmp_path: Path, schemas: dict[str, Any], version: str = "3.1.0"
) -> tuple[dict[str, Any], list[str]]:
    spec = tmp_path / "doc.yaml"
    doc = {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    bundle, warnings = repair_bundle(load_bundle(spec))
    for w in warnings:
        assert w.file == str(spec) or w.file.endswith("doc.yaml")
        assert w.line > 1 and w.rule == "repair"
    return bundle.data["components"]["schemas"], [w.message for w in warnings]


@pytest.mark.parametrize(
    ("schema", "kept"),
    [
        ({"type": "object", "default": None}, False),  # OpenAI's classic
        ({"type": "integer", "default": "3"}, False),
        ({"type": "integer", "default": True}, False),  # a bool is not an integer in JSON
        ({"type": "string", "enum": ["a", "b"], "default": "c"}, False),
        ({"type": "string", "enum": ["a", "b"], "default": "a"}, True),
        ({"type": ["string", "null"], "default": None}, True),
        ({"type": "number", "default": 1}, True),
        ({"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}, True),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}], "default": None}, False),
        ({"type": "string", "maxLength": 2, "default": "abc"}, False),
        ({"type": "string", "format": "date", "default": "not a date"}, False),
        ({"$ref": "#/components/schemas/Target", "default": 5}, False),
    ],
)
def test_defaults_that_do_not_fit_are_dropped(
    tmp_path: Path, schema: dict[str, Any], kept: bool
) -> None:
    schemas, messages = repaired(tmp_path, {"S": schema, "Target": {"type": "string"}})
    assert ("default" in schemas["S"]) is kept
    assert any("default does not fit" in m for m in messages) is not kept


def test_nullable_in_31_becomes_a_type_list(tmp_path: Path) -> None:
    schemas, messages = repaired(
        tmp_path,
        {
            "A": {"type": "string", "nullable": True},
            "B": {"nullable": True, "allOf": [{"type": "string"}], "description": "d"},
            "C": {"type": "string", "nullable": False},
        },
    )
    assert schemas["A"] == {"type": ["string", "null"]}
    assert schemas["B"] == {
        "description": "d",
        "anyOf": [{"allOf": [{"type": "string"}]}, {"type": "null"}],
    }
    assert schemas["C"] == {"type": "string"}
    assert len(messages) == 3


def test_nullable_in_30_is_left_alone(tmp_path: Path) -> None:
    schemas, messages = repaired(
        tmp_path, {"A": {"type": "string", "nullable": True}}, version="3.0.3"
    )
    assert schemas["A"] == {"type": "string", "nullable": True}
    assert messages == []


def test_boolean_bounds_in_31(tmp_path: Path) -> None:
    schemas, _ = repaired(
        tmp_path,
        {
            "A": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
            "B": {"type": "number", "exclusiveMaximum": False, "maximum": 3},
        },
    )
    assert schemas["A"] == {"type": "number", "exclusiveMinimum": 0}
    assert schemas["B"] == {"type": "number", "maximum": 3}


def test_required_lists(tmp_path: Path) -> None:
    schemas, _ = repaired(
        tmp_path,
        {
            "A": {"type": "object", "required": ["a", "a", "b"], "properties": {"a": {}, "b": {}}},
            "B": {"type": "object", "required": ["x"], "allOf": [{"properties": {"y": {}}}]},
            "C": {
                "type": "object",
                "required": ["x"],
                "additionalProperties": False,
                "properties": {},
            },
        },
    )
    assert schemas["A"]["required"] == ["a", "b"]
    assert schemas["B"]["properties"] == {"x": {}}  # `{}` accepts anything: the meaning is kept
    assert schemas["C"] == {
        "type": "object",
        "required": ["x"],
        "additionalProperties": False,
        "properties": {},
    }


def test_a_valid_document_is_untouched(tmp_path: Path) -> None:
    schemas = {"A": {"type": "object", "properties": {"n": {"type": "integer", "default": 2}}}}
    fixed, messages = repaired(tmp_path, schemas)
    assert fixed == schemas and messages == []


_BOUND = st.integers(-2, 2)
_NUMERIC = st.fixed_dictionaries(
    {"type": st.sampled_from(["integer", "number", ["integer", "null"]])},
    optional={"minimum": _BOUND, "maximum": _BOUND, "exclusiveMinimum": _BOUND},
)
_TEXT = st.fixed_dictionaries(
    {"type": st.sampled_from(["string", ["string", "null"]])},
    optional={
        "minLength": st.integers(0, 2),
        "maxLength": st.integers(0, 2),
        "enum": st.just(["a", "ab"]),
    },
)
_OBJECT = st.fixed_dictionaries(
    {"type": st.sampled_from(["object", ["object", "null"], "array"])},
    optional={
        "properties": st.just({"a": {"type": "string"}}),
        "required": st.just(["a"]),
        "minItems": st.just(1),
    },
)
_SCALAR = (
    _NUMERIC
    | _TEXT
    | st.fixed_dictionaries(
        {"type": st.sampled_from(["boolean", "integer", "string"])},
        optional={
            "const": st.sampled_from([True, 1, 0, "ab", 2.5]),
            "format": st.sampled_from(["int32", "int64", "date"]),
            "maximum": st.sampled_from([2, 1 << 40]),
        },
    )
)
_ARRAY = st.fixed_dictionaries(
    {"type": st.sampled_from(["array", ["array", "null"]])},
    optional={"items": _SCALAR, "minItems": st.integers(0, 2), "maxItems": st.integers(0, 2)},
)
_REF = st.fixed_dictionaries(
    {"$ref": st.just("#/components/schemas/T")}, optional={"description": st.just("d")}
)
_PLAIN_SCHEMA = _SCALAR | _OBJECT | _ARRAY | _REF
_BRANCHY = st.fixed_dictionaries(
    {"anyOf": st.lists(_PLAIN_SCHEMA, min_size=1, max_size=3)},
    optional={"nullable": st.just(True), "description": st.just("d")},
) | st.fixed_dictionaries({"oneOf": st.lists(_PLAIN_SCHEMA, min_size=1, max_size=3)})
_VALUES = st.sampled_from(
    [None, 0, 1, -2, 2, 2.5, "", "ab", "abc", True, {}, {"a": "x"}, [], [1], [True, "ab"]]
    + [1 << 32, -(1 << 31), 1 << 31, [1, 2, 3]]
)


@settings(max_examples=600, deadline=None)
@given(schema=_PLAIN_SCHEMA | _BRANCHY, target=_SCALAR | _ARRAY, value=_VALUES)
def test_the_plain_default_check_agrees_with_the_validator(
    schema: dict[str, Any], target: dict[str, Any], value: Any
) -> None:
    """Where repair decides a default without a validator, it decides as OAS 3.1's validator does
    (schemas of types, enums, consts, bounds, integer formats, arrays, refs and unions)."""
    doc = {"components": {"schemas": {"S": schema, "T": target}}}
    plain = plainly_fits(value, schema, doc)
    if plain is not None:
        assert plain == default_checker(doc, True)("#/components/schemas/S", value)


def test_the_plain_default_check_decides_what_openai_writes() -> None:
    """Every default of OpenAI's document is decided without the validator, whose imports are a
    quarter of `generate`'s time after an edit (issue 27)."""
    doc = {
        "components": {
            "schemas": {
                "Mode": {"type": "string", "enum": ["auto", "none"]},
                "Choice": {"oneOf": [{"$ref": "#/components/schemas/Mode"}, {"type": "object"}]},
                "Stops": {"type": "array", "items": {"type": "string"}, "maxItems": 4},
                "Seed": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 10},
                "Tier": {"anyOf": [{"type": "string"}, {"type": "null"}], "example": "a"},
                "Kind": {"type": "string", "const": "auto"},
            }
        }
    }
    values = {"Choice": "auto", "Stops": ["a"], "Seed": 3, "Tier": "x", "Kind": "auto"}
    for name, value in values.items():
        schema = doc["components"]["schemas"][name]
        assert plainly_fits(value, schema, doc) is True, name
    assert plainly_fits(["a"] * 5, doc["components"]["schemas"]["Stops"], doc) is False
    assert plainly_fits("manual", doc["components"]["schemas"]["Kind"], doc) is False


ECMA_PATTERNS = {
    "Plain": (r"^[a-z]+$", r"^[a-z]+$"),
    "Emoji": (r"^\u{1F600}+$", r"^\U0001F600+$"),
    "Named": (r"^(?<year>\d{4})$", r"^(?P<year>\d{4})$"),
    "Letters": (r"^[\p{L}]+$", None),  # Python's re has no \p{...}
    "Behind": (r"(?<=a)b", None),  # pydantic's engine has no look-behind
}


def test_ecma_patterns_are_rewritten_or_left_out_and_the_models_import(tmp_path: Path) -> None:
    """What both engines can check stays (rewritten if need be); the rest is left out, located."""
    schemas = {name: {"type": "string", "pattern": p} for name, (p, _) in ECMA_PATTERNS.items()}
    fixed, messages = repaired(tmp_path, schemas)
    for name, (_, expected) in ECMA_PATTERNS.items():
        assert fixed[name].get("pattern") == expected, name
    assert sum("it was left out" in m for m in messages) == 2
    assert sum("pattern rewritten" in m for m in messages) == 2

    spec = tmp_path / "patterns.yaml"
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Form": {
                    "type": "object",
                    "properties": {n: {"$ref": f"#/components/schemas/{n}"} for n in schemas},
                },
                **schemas,
            }
        },
    }
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    generate([spec], tmp_path / "out")
    models = import_fresh(tmp_path / "out", "patterns.models")
    form = models.Form  # type: ignore[attr-defined]
    assert form(Emoji="\U0001f600", Named="2026", Letters="é", Behind="ab").Emoji == "\U0001f600"
    for field, bad in (("Plain", "A"), ("Emoji", "x"), ("Named", "26")):
        with pytest.raises(ValueError):
            form(**{field: bad})


def test_nan_and_infinite_defaults_reach_the_models(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    Tuning:\n      type: object\n      properties:\n"
        "        bias: {type: number, default: .nan}\n        cap: {type: number, default: -.inf}\n"
    )
    generate([spec], tmp_path / "out")
    tuning = import_fresh(tmp_path / "out", "odd.models").Tuning()  # type: ignore[attr-defined]
    assert math.isnan(tuning.bias) and tuning.cap == -math.inf


def test_patterns_are_searched_in_linear_time_or_not_at_all() -> None:
    from apiforge.document.patterns import linear_search

    assert linear_search("b", "abc") is True  # JSON Schema's search: unanchored
    assert linear_search("^b", "abc") is False
    assert linear_search("^(a+)+$", "a" * 5000 + "!") is False  # at once, not 2**5000 steps
    assert linear_search("(?<=a)b", "ab") is None  # look-behind: not evaluated at all
    assert linear_search(r"(a)\1", "aa") is None  # back-reference
