"""Changes that refuse no value a client sent, or admit no value it did not expect, break nobody;
and the breaks next to them stay breaks."""

from __future__ import annotations

from typing import Any

import pytest

from apiforge.diff import diff_documents
from tests.diff.directions import Row, judge
from tests.diff.test_documents import api, obj

S: dict[str, Any] = {"type": "string"}


def prop(**schema: Any) -> dict[str, Any]:
    return obj({"a": schema}, ("a",))


def pattern(text: str) -> dict[str, Any]:
    return prop(type="string", pattern=text)


ROWS = [
    # `pattern`: 2020-12 §6.3.3, a string is valid when the regex finds a match in it
    Row(
        "pattern widened to match everything",
        pattern(r"^\w+$"),
        pattern(".*"),
        False,
        False,
        frozenset({".pattern-removed"}),
    ),
    Row(
        "pattern removed",
        pattern(r"^\w+$"),
        prop(type="string"),
        False,
        False,
        frozenset({".pattern-removed"}),
    ),
    Row(
        "pattern widened to a larger class",
        pattern("^[a-z]+$"),
        pattern("^[a-z0-9]+$"),
        False,
        False,
        frozenset({".pattern-generalized"}),
        why="oasdiff warns of any change but to `.*` (pattern-changed); every old value still matches",
    ),
    Row(
        "pattern narrowed to a smaller class",
        pattern("^[a-z0-9]+$"),
        pattern("^[a-z]+$"),
        True,
        False,
        frozenset({".pattern-restricted"}),
    ),
    Row(
        "pattern rewritten with the same strings",
        pattern("^[0-9]+$"),
        pattern(r"^\d+$"),
        False,
        False,
        frozenset({".pattern-changed"}),
        why="oasdiff warns (pattern-changed); the same strings spelled differently refuse nothing",
    ),
    Row(
        "pattern unanchored: a search finds the old match inside the new",
        pattern("^abc$"),
        pattern("b"),
        False,
        False,
        frozenset({".pattern-generalized"}),
    ),
    Row(
        "patterns that overlap but neither holds the other",
        pattern("^[a-c]+$"),
        pattern("^[b-d]+$"),
        True,
        False,
        frozenset({".pattern-changed"}),
    ),
    Row(
        "pattern with look-ahead: no verdict, so a change both ways",
        pattern("^(?=a)"),
        pattern("^(?=b)"),
        True,
        False,
        frozenset({".pattern-changed"}),
    ),
    # bounds that every enum value meets: 2020-12 §6.1.2 (enum) with §6.3.1 (maxLength)
    Row(
        "maxLength above every enum value's length",
        prop(type="string", enum=["low", "high"]),
        prop(type="string", enum=["low", "high"], maxLength=8),
        False,
        False,
        frozenset({".max-length-set"}),
        why="oasdiff warns of any new maxLength; no value the old enum allowed is refused",
    ),
    Row(
        "maxLength below an enum value's length",
        prop(type="string", enum=["low", "high"]),
        prop(type="string", enum=["low", "high"], maxLength=3),
        True,
        False,
        frozenset({".max-length-set"}),
    ),
    Row(
        "maxLength removed where the enum still bounds the length",
        prop(type="string", enum=["low", "high"], maxLength=8),
        prop(type="string", enum=["low", "high"]),
        False,
        False,
        frozenset({".max-length-unset"}),
        why="the enum admits no longer value, so a reader meets nothing new",
    ),
    Row(
        "maxLength removed without an enum",
        prop(type="string", maxLength=8),
        prop(type="string"),
        False,
        True,
        frozenset({".max-length-unset"}),
    ),
    Row(
        "minimum below every enum value",
        prop(type="integer", enum=[5, 10]),
        prop(type="integer", enum=[5, 10], minimum=5),
        False,
        False,
        frozenset({".min-set"}),
    ),
    Row(
        "exclusive minimum refusing an enum value",
        prop(type="integer", enum=[5, 10]),
        prop(type="integer", enum=[5, 10], exclusiveMinimum=5),
        True,
        False,
        frozenset({".exclusive-min-set"}),
    ),
    Row(
        "multipleOf every enum value meets",
        prop(type="integer", enum=[4, 8]),
        prop(type="integer", enum=[4, 8], multipleOf=4),
        False,
        False,
        frozenset({".multiple-of-changed"}),
    ),
    Row(
        "pattern every enum value matches",
        prop(type="string", enum=["ab", "ac"]),
        prop(type="string", enum=["ab", "ac"], pattern="^a"),
        False,
        False,
        frozenset({".pattern-added"}),
    ),
    Row(
        "maxItems above every enum array's length",
        prop(type="array", enum=[[1], [1, 2]]),
        prop(type="array", enum=[[1], [1, 2]], maxItems=2),
        False,
        False,
        frozenset({".max-items-set"}),
    ),
    # readOnly / writeOnly: OpenAPI 3.1 §4.8.24.5 (JSON Schema validation §9.4)
    Row(
        "constraint tightened on a property that became readOnly",
        obj({"a": S}),
        obj({"a": {"type": "string", "readOnly": True, "maxLength": 3}}),
        False,
        False,
        frozenset({"request:.became-read-only", ".max-length-set"}),
        why="a readOnly property SHOULD NOT be sent: its new bound refuses no request",
    ),
    Row(
        "constraint widened on a property that became writeOnly",
        obj({"a": {"type": "string", "maxLength": 3}}),
        obj({"a": {"type": "string", "writeOnly": True}}),
        False,
        True,
        frozenset({"response:.became-write-only", ".max-length-unset"}),
    ),
    Row(
        "constraint tightened on a property that was readOnly",
        obj({"a": {"type": "string", "readOnly": True}}),
        obj({"a": {"type": "string", "maxLength": 3}}),
        False,
        False,
        frozenset({"request:.became-not-read-only", ".max-length-set"}),
        why="no client sent a readOnly property, so no request it sent is refused",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@pytest.mark.parametrize("direction", ["request", "response"])
def test_verdict_per_direction(row: Row, direction: str) -> None:
    judge(row, direction)


_BEARER = {"type": "http", "scheme": "bearer"}
_KEY = {"type": "apiKey", "in": "header", "name": "X-Key"}


def test_removing_a_scheme_no_operation_names_breaks_nobody() -> None:
    old = api(
        components={"securitySchemes": {"bearer": _BEARER, "key": _KEY}}, security=[{"bearer": []}]
    )
    new = api(components={"securitySchemes": {"bearer": _BEARER}}, security=[{"bearer": []}])
    result = diff_documents(old, new)
    assert [(c.kind, c.breaking) for c in result.changes] == [
        ("api-security-component-removed", False)
    ]
    assert result.ok


def test_removing_a_scheme_an_operation_names_breaks() -> None:
    old = api(
        components={"securitySchemes": {"bearer": _BEARER, "key": _KEY}},
        op={"security": [{"key": []}]},
    )
    new = api(
        components={"securitySchemes": {"bearer": _BEARER}}, op={"security": [{"bearer": []}]}
    )
    result = diff_documents(old, new)
    removed = [c for c in result.changes if c.kind == "api-security-component-removed"]
    assert [c.breaking for c in removed] == [True]
    assert not result.ok


def test_what_we_already_judge_right_stays_breaking() -> None:
    """A public operation that now requires auth; a new maxLength on a request."""
    bearer = {"securitySchemes": {"bearer": _BEARER}}
    auth = diff_documents(api(components=bearer), api(components=bearer, security=[{"bearer": []}]))
    assert [(c.kind, c.breaking) for c in auth.changes] == [("api-security-added", True)]
    bound = judge(
        Row(
            "new maxLength",
            prop(type="string"),
            prop(type="string", maxLength=9),
            True,
            False,
            frozenset({".max-length-set"}),
        ),
        "request",
    )
    assert not bound.ok
