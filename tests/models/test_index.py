"""index: the classes and fields codegen reads, from models.py's syntax, and back from the cache."""

from __future__ import annotations

import json

from apiforge.models.index import (
    ModelClass,
    ModelField,
    decode_classes,
    encode_classes,
    index_models,
)

MODELS = """\
from __future__ import annotations

from typing import Annotated as Annotated_aliased

from pydantic import BaseModel, ConfigDict, Field, RootModel


class Pet(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    name: Annotated_aliased[str, Field(alias="pet-name", min_length=1)]
    tag: Annotated_aliased[str, Field(max_length=9)] | None = None
    kind: str = Field(..., alias="@kind")
    owner: str | None = Field(None, alias="ownerId")
    toys: list[str] = Field(default_factory=list)
    Annotated: str | None = None


class Pets(RootModel[list[Pet]]):
    root: list[Pet]
"""


def test_fields_are_read_with_their_wire_names_plain_types_and_required_ness() -> None:
    classes = index_models(MODELS).classes
    assert list(classes) == ["Pet", "Pets"]
    assert classes["Pet"] == ModelClass(
        "Pet",
        (
            ModelField("id", "id", "int", True),
            ModelField("name", "pet-name", "str", True),
            ModelField("tag", "tag", "str | None", False),
            ModelField("kind", "@kind", "str", True),
            ModelField("owner", "ownerId", "str | None", False),
            ModelField("toys", "toys", "list[str]", False),
            ModelField("Annotated", "Annotated", "str | None", False),
        ),
        is_root=False,
    )
    assert classes["Pets"].is_root
    assert classes["Pets"].fields == (ModelField("root", "root", "list[Pet]", True),)


def test_the_cache_reads_back_the_index_it_was_given() -> None:
    classes = index_models(MODELS).classes
    assert decode_classes(json.loads(json.dumps(encode_classes(classes)))) == classes


def test_a_cache_entry_of_another_shape_is_no_index() -> None:
    assert decode_classes(None) is None
    assert decode_classes([["Pet", False]]) is None
    assert decode_classes([["Pet", False, [["id", "id", "int"]]]]) is None
