"""Wrapping a request body in `oneOf`: an old value that now matches two alternatives is refused
(JSON Schema 2020-12 §10.2.1.3: valid against exactly one)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.diff.directions import Row, judge
from tests.diff.test_documents import obj, ref

S: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
OPEN = {"Contact": obj({"name": S}), "Account": obj({"id": INT})}
CLOSED = {
    "Contact": {**obj({"name": S}, ("name",)), "additionalProperties": False},
    "Account": obj({"id": INT}, ("id",)),
}
TAGGED = {
    "Contact": obj({"kind": {"const": "contact"}, "name": S}, ("kind",)),
    "Account": obj({"kind": {"const": "account"}, "id": INT}, ("kind",)),
}


def wrap(keyword: str, *branches: Any, **extra: Any) -> dict[str, Any]:
    return {keyword: list(branches), **extra}


ROWS = [
    Row(
        "wrapped in oneOf beside an alternative an old value also matches",
        ref("Contact"),
        wrap("oneOf", ref("Contact"), ref("Account")),
        True,
        True,
        frozenset({"one-of-added", "request:one-of-ambiguous"}),
        schemas=OPEN,
    ),
    Row(
        "alternative added to a oneOf that an old value also matches",
        wrap("oneOf", ref("Contact"), S),
        wrap("oneOf", ref("Contact"), S, ref("Account")),
        True,
        True,
        frozenset({"one-of-added", "request:one-of-ambiguous"}),
        why="oasdiff says info (one-of-added); `{}` matches both open objects, so oneOf refuses it",
        schemas=OPEN,
    ),
    Row(
        "wrapped in anyOf: a value may match several",
        ref("Contact"),
        wrap("anyOf", ref("Contact"), ref("Account")),
        False,
        True,
        frozenset({"any-of-added"}),
        schemas=OPEN,
    ),
    Row(
        "wrapped in oneOf beside an alternative of another type",
        ref("Contact"),
        wrap("oneOf", ref("Contact"), S),
        False,
        True,
        frozenset({"one-of-added"}),
        why="oasdiff breaks any wrap (wrapped-in-one-of); no object matches a string alternative",
        schemas=OPEN,
    ),
    Row(
        "wrapped in oneOf beside an alternative that requires what the old one forbids",
        ref("Contact"),
        wrap("oneOf", ref("Contact"), ref("Account")),
        False,
        True,
        frozenset({"one-of-added"}),
        schemas=CLOSED,
    ),
    Row(
        "wrapped in oneOf beside an alternative with another const tag",
        ref("Contact"),
        wrap("oneOf", ref("Contact"), ref("Account")),
        False,
        True,
        frozenset({"one-of-added"}),
        why="oasdiff breaks any wrap; the required `kind` const lets no old value match both",
        schemas=TAGGED,
    ),
    Row(
        "wrapped in oneOf with a discriminator that picks the alternative",
        ref("Contact"),
        wrap("oneOf", ref("Contact"), ref("Account"), discriminator={"propertyName": "kind"}),
        False,
        True,
        frozenset({"one-of-added"}),
        schemas=TAGGED,
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@pytest.mark.parametrize("direction", ["request", "response"])
def test_verdict_per_direction(row: Row, direction: str) -> None:
    judge(row, direction)
