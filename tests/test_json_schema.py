"""OpenAPI schemas -> JSON Schema 2020-12: a jsonschema validator agrees with the spec's meaning."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from apiforge.json_schema import SchemaConversionError, to_json_schema


def _doc(version: str, schemas: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": version, "info": {}, "paths": {}, "components": {"schemas": schemas}}


def _accepts(doc: dict[str, Any], name: str, instance: Any, direction: str = "response") -> bool:
    schema = to_json_schema(doc, {"$ref": f"#/components/schemas/{name}"}, direction)  # type: ignore[arg-type]
    Draft202012Validator.check_schema(schema)
    return bool(Draft202012Validator(schema).is_valid(instance))


PET = {
    "type": "object",
    "required": ["id", "name", "secret"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string", "nullable": True},
        "secret": {"type": "string", "writeOnly": True},
        "tag": {"$ref": "#/components/schemas/Tag", "nullable": True},
        "kind": {"type": "string", "enum": ["cat", "dog"], "nullable": True},
        "owner": {"allOf": [{"$ref": "#/components/schemas/Tag"}], "nullable": True},
        "weight": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
    },
    "discriminator": {"propertyName": "kind"},
    "example": {"id": 1},
    "x-internal": True,
    "xml": {"name": "pet"},
}
TAG = {"type": "object", "properties": {"label": {"type": "string"}}, "additionalProperties": False}
DOC_30 = _doc("3.0.3", {"Pet": PET, "Tag": TAG})


@pytest.mark.parametrize(
    ("instance", "direction", "valid"),
    [
        ({"id": 1, "name": "x"}, "response", True),  # secret is writeOnly: not required here
        ({"name": "x", "secret": "s"}, "request", True),  # id is readOnly: not required here
        ({"name": "x"}, "request", False),
        ({"id": 1, "name": None}, "response", True),
        ({"id": 1, "name": "x", "tag": None, "kind": None, "owner": None}, "response", True),
        ({"id": 1, "name": "x", "tag": {"label": "a"}, "owner": {"label": "b"}}, "response", True),
        ({"id": 1, "name": "x", "tag": {"other": 1}}, "response", False),
        ({"id": 1, "name": "x", "kind": "bird"}, "response", False),
        ({"id": 1, "name": "x", "weight": 0}, "response", False),
        ({"id": 1, "name": "x", "weight": 0.5}, "response", True),
        ({"id": "1", "name": "x"}, "response", False),
    ],
)
def test_openapi_30_keywords_mean_what_the_spec_says(
    instance: dict[str, Any], direction: str, valid: bool
) -> None:
    assert _accepts(DOC_30, "Pet", instance, direction) is valid


def test_openapi_only_keywords_and_extensions_are_dropped_and_refs_land_in_defs() -> None:
    schema = to_json_schema(DOC_30, {"$ref": "#/components/schemas/Pet"}, "response")
    assert isinstance(schema, dict)
    assert schema["$ref"] == "#/$defs/Pet"
    pet = schema["$defs"]["Pet"]
    assert not {"discriminator", "example", "x-internal", "xml"} & pet.keys()
    assert pet["properties"]["weight"] == {"type": "number", "exclusiveMinimum": 0}
    assert "secret" not in pet["properties"] and pet["required"] == ["id", "name"]
    assert schema["$defs"]["Tag"] == TAG


def test_a_30_ref_ignores_its_siblings_but_31_applies_them() -> None:
    schemas = {"S": {"type": "string"}, "U": {"$ref": "#/components/schemas/S", "maxLength": 2}}
    assert _accepts(_doc("3.0.3", schemas), "U", "long")
    assert not _accepts(_doc("3.1.0", schemas), "U", "long")


def test_recursive_schemas_and_odd_names_convert_to_valid_refs() -> None:
    node = {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/a b%"}}},
    }
    doc = _doc("3.1.0", {"a b%": node})
    assert _accepts(doc, "a b%", {"kids": [{"kids": []}]})
    assert not _accepts(doc, "a b%", {"kids": [{"kids": 1}]})


def test_refs_outside_components_and_31_types_are_kept() -> None:
    doc = _doc("3.1.0", {"N": {"type": ["integer", "null"], "format": "int32"}})
    doc["paths"] = {"/x": {"get": {"parameters": [{"schema": {"type": "string"}}]}}}
    wrapper = {"properties": {"a": {"$ref": "#/paths/~1x/get/parameters/0/schema"}}}
    schema = to_json_schema(doc, wrapper, "request")
    assert Draft202012Validator(schema).is_valid({"a": "s"})
    assert not Draft202012Validator(schema).is_valid({"a": 1})
    assert _accepts(doc, "N", None) and not _accepts(doc, "N", "1")
    assert to_json_schema(doc, True, "request") is True


def test_a_ref_that_leads_nowhere_is_an_error() -> None:
    with pytest.raises(SchemaConversionError):
        to_json_schema(DOC_30, {"$ref": "#/components/schemas/Missing"}, "response")
    with pytest.raises(SchemaConversionError):
        to_json_schema(DOC_30, {"$ref": "other.yaml#/X"}, "response")
