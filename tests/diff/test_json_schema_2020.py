"""The JSON Schema 2020-12 keywords OpenAPI 3.1 adds, each judged in both directions.

Written from JSON Schema 2020-12 (Core §10, Validation §6-§8): a keyword that admits fewer
instances narrows (breaks the client that sends), one that admits more widens (breaks the client
that reads). Inside `not` (Core §10.2.1.4) a change acts the other way round; inside `if`
(§10.2.2.1), which only picks the branch, a change is judged both ways.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.diff.directions import Row, judge
from tests.diff.test_documents import obj

S: dict[str, Any] = {"type": "string"}
INT: dict[str, Any] = {"type": "integer"}
B = obj({"name": S, "email": S, "phone": S})  # a contact: the object most rows extend
ARRAY: dict[str, Any] = {"type": "array"}
JSON_TEXT: dict[str, Any] = {"type": "string", "contentMediaType": "application/json"}


def with_(base: dict[str, Any], **keywords: Any) -> dict[str, Any]:
    return {**base, **keywords}


def short(limit: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": limit}


def row(
    name: str, old: Any, new: Any, request: bool, response: bool, *kinds: str, why: str = ""
) -> Row:
    return Row(name, old, new, request, response, frozenset(kinds), why)


NARROW, WIDEN, BOTH = (True, False), (False, True), (True, True)

ROWS = [
    # dependentRequired (Validation §6.5.4)
    row(
        "dependentRequired added",
        B,
        with_(B, dependentRequired={"name": ["email"]}),
        *NARROW,
        "dependent-required-added",
    ),
    row(
        "dependentRequired removed",
        with_(B, dependentRequired={"name": ["email"]}),
        B,
        *WIDEN,
        "dependent-required-removed",
    ),
    row(
        "dependentRequired entry extended",
        with_(B, dependentRequired={"name": ["email"]}),
        with_(B, dependentRequired={"name": ["email", "phone"]}),
        *NARROW,
        "dependent-required-added",
    ),
    # dependentSchemas (Core §10.2.2.4)
    row(
        "dependentSchemas added",
        B,
        with_(B, dependentSchemas={"name": {"required": ["email"]}}),
        *NARROW,
        "dependent-schemas-added",
    ),
    row(
        "dependentSchemas removed",
        with_(B, dependentSchemas={"name": {"required": ["email"]}}),
        B,
        *WIDEN,
        "dependent-schemas-removed",
    ),
    row(
        "dependentSchemas subschema tightened",
        with_(B, dependentSchemas={"name": obj({"email": short(10)})}),
        with_(B, dependentSchemas={"name": obj({"email": short(5)})}),
        *NARROW,
        ".max-length-decreased",
    ),
    # if / then / else (Core §10.2.2.1-3)
    row(
        "conditional added",
        B,
        with_(B, **{"if": {"required": ["name"]}, "then": {"required": ["email"]}}),
        *NARROW,
        "if-added",
    ),
    row(
        "conditional removed",
        with_(B, **{"if": {"required": ["name"]}, "then": {"required": ["email"]}}),
        B,
        *WIDEN,
        "if-removed",
    ),
    row(
        "an `if` without `then` or `else` constrains nothing",
        B,
        with_(B, **{"if": {"required": ["name"]}}),
        False,
        False,
    ),
    row(
        "then tightened",
        with_(B, **{"if": {"required": ["name"]}, "then": {"required": ["email"]}}),
        with_(
            B,
            **{
                "if": {"required": ["name"]},
                "then": {"properties": {"email": {"maxLength": 5}}, "required": ["email"]},
            },
        ),
        *NARROW,
        ".max-length-set",
    ),
    row(
        "else added beside then",
        with_(B, **{"if": {"required": ["name"]}, "then": {"required": ["email"]}}),
        with_(
            B,
            **{
                "if": {"required": ["name"]},
                "then": {"required": ["email"]},
                "else": {"required": ["phone"]},
            },
        ),
        *NARROW,
        "else-added",
    ),
    row(
        "else removed",
        with_(
            B,
            **{
                "if": {"required": ["name"]},
                "then": {"required": ["email"]},
                "else": {"required": ["phone"]},
            },
        ),
        with_(B, **{"if": {"required": ["name"]}, "then": {"required": ["email"]}}),
        *WIDEN,
        "else-removed",
    ),
    row(
        "a change inside `if` moves instances between branches",
        with_(
            B, **{"if": obj({"name": {"const": "a"}}, ("name",)), "then": {"required": ["email"]}}
        ),
        with_(
            B, **{"if": obj({"name": {"const": "b"}}, ("name",)), "then": {"required": ["email"]}}
        ),
        *BOTH,
        ".enum-value-added",
        ".enum-value-removed",
    ),
    # prefixItems (Core §10.3.1.1): a position past the prefix is governed by `items`
    row(
        "prefixItems position added",
        with_(ARRAY, prefixItems=[S]),
        with_(ARRAY, prefixItems=[S, INT]),
        *NARROW,
        ".type-specialized",
        why="oasdiff says info; the second item, free before, must now be an integer",
    ),
    row(
        "prefixItems position removed",
        with_(ARRAY, prefixItems=[S, INT]),
        with_(ARRAY, prefixItems=[S]),
        *WIDEN,
        ".type-generalized",
        why="oasdiff says breaking for requests; the position falls back to `items`: any value",
    ),
    row(
        "prefixItems position tightened",
        with_(ARRAY, prefixItems=[S]),
        with_(ARRAY, prefixItems=[short(3)]),
        *NARROW,
        ".max-length-set",
    ),
    row(
        "prefixItems position falls back to items",
        with_(ARRAY, prefixItems=[S], items=short(3)),
        with_(ARRAY, prefixItems=[S, S], items=short(3)),
        *WIDEN,
        ".max-length-unset",
    ),
    row(
        "items added to an array of anything",
        ARRAY,
        with_(ARRAY, items=S),
        *NARROW,
        ".type-specialized",
    ),
    row(
        "items false closes a tuple",
        with_(ARRAY, prefixItems=[S]),
        with_(ARRAY, prefixItems=[S], items=False),
        *NARROW,
        ".type-specialized",
    ),
    row(
        "a closed tuple gains a position",
        with_(ARRAY, prefixItems=[S], items=False),
        with_(ARRAY, prefixItems=[S, INT], items=False),
        *WIDEN,
        ".type-generalized",
    ),
    # contains, minContains, maxContains (Core §10.3.1.3, Validation §6.4.4-5)
    row("contains added", ARRAY, with_(ARRAY, contains=S), *NARROW, "contains-added"),
    row("contains removed", with_(ARRAY, contains=S), ARRAY, *WIDEN, "contains-removed"),
    row(
        "contains subschema tightened",
        with_(ARRAY, contains=S),
        with_(ARRAY, contains=short(3)),
        *NARROW,
        ".max-length-set",
    ),
    row(
        "minContains increased",
        with_(ARRAY, contains=S),
        with_(ARRAY, contains=S, minContains=2),
        *NARROW,
        "min-contains-increased",
    ),
    row(
        "minContains lowered to zero",
        with_(ARRAY, contains=S),
        with_(ARRAY, contains=S, minContains=0),
        *WIDEN,
        "min-contains-decreased",
    ),
    row(
        "maxContains set",
        with_(ARRAY, contains=S),
        with_(ARRAY, contains=S, maxContains=3),
        *NARROW,
        "max-contains-set",
    ),
    row(
        "maxContains raised",
        with_(ARRAY, contains=S, maxContains=3),
        with_(ARRAY, contains=S, maxContains=5),
        *WIDEN,
        "max-contains-increased",
    ),
    row(
        "contains tightened under maxContains counts fewer matches",
        with_(ARRAY, contains=S, maxContains=2),
        with_(ARRAY, contains=short(3), maxContains=2),
        *BOTH,
        ".max-length-set",
    ),
    # patternProperties (Core §10.3.2.2)
    row(
        "patternProperties added",
        {"type": "object"},
        {"type": "object", "patternProperties": {"^x-": S}},
        *NARROW,
        "pattern-properties-added",
    ),
    row(
        "patternProperties removed",
        {"type": "object", "patternProperties": {"^x-": S}},
        {"type": "object"},
        *WIDEN,
        "pattern-properties-removed",
    ),
    row(
        "patternProperties subschema tightened",
        {"type": "object", "patternProperties": {"^x-": S}},
        {"type": "object", "patternProperties": {"^x-": short(8)}},
        *NARROW,
        ".max-length-set",
    ),
    # propertyNames (Core §10.3.2.4)
    row(
        "propertyNames added",
        {"type": "object"},
        {"type": "object", "propertyNames": short(8)},
        *NARROW,
        "property-names-added",
    ),
    row(
        "propertyNames widened",
        {"type": "object", "propertyNames": short(8)},
        {"type": "object", "propertyNames": short(16)},
        *WIDEN,
        ".max-length-increased",
    ),
    row(
        "propertyNames that admits every name is no constraint",
        {"type": "object"},
        {"type": "object", "propertyNames": {"description": "any"}},
        False,
        False,
    ),
    # unevaluatedProperties / unevaluatedItems (Core §11)
    row(
        "unevaluatedProperties false added",
        B,
        with_(B, unevaluatedProperties=False),
        *NARROW,
        "unevaluated-properties-added",
    ),
    row(
        "unevaluatedProperties false removed",
        with_(B, unevaluatedProperties=False),
        B,
        *WIDEN,
        "unevaluated-properties-removed",
    ),
    row(
        "unevaluatedProperties subschema tightened",
        with_(B, unevaluatedProperties=S),
        with_(B, unevaluatedProperties=short(2)),
        *NARROW,
        ".max-length-set",
    ),
    row(
        "unevaluatedItems false added",
        with_(ARRAY, prefixItems=[S]),
        with_(ARRAY, prefixItems=[S], unevaluatedItems=False),
        *NARROW,
        "unevaluated-items-added",
    ),
    row(
        "unevaluatedItems false removed",
        with_(ARRAY, prefixItems=[S], unevaluatedItems=False),
        with_(ARRAY, prefixItems=[S]),
        *WIDEN,
        "unevaluated-items-removed",
    ),
    # contentMediaType / contentEncoding / contentSchema (Validation §8)
    row(
        "contentMediaType added",
        S,
        JSON_TEXT,
        *NARROW,
        "content-media-type-added",
        why="oasdiff breaks responses too; JSON text is still text to a client that read any string",
    ),
    row(
        "contentMediaType removed",
        JSON_TEXT,
        S,
        *WIDEN,
        "content-media-type-removed",
        why="oasdiff breaks requests too; a server that takes any string takes the JSON text sent",
    ),
    row(
        "contentMediaType changed",
        JSON_TEXT,
        with_(S, contentMediaType="application/xml"),
        *BOTH,
        "content-media-type-changed",
    ),
    row(
        "contentEncoding added",
        S,
        with_(S, contentEncoding="base64"),
        *BOTH,
        "content-encoding-added",
        why="oasdiff agrees: the string is now the value's base64, not the value",
    ),
    row(
        "contentEncoding removed",
        with_(S, contentEncoding="base64"),
        S,
        *BOTH,
        "content-encoding-removed",
    ),
    row(
        "contentEncoding changed",
        with_(S, contentEncoding="base64"),
        with_(S, contentEncoding="base32"),
        *BOTH,
        "content-encoding-changed",
    ),
    row(
        "contentSchema added",
        JSON_TEXT,
        with_(JSON_TEXT, contentSchema=obj({"a": S})),
        *NARROW,
        "content-schema-added",
    ),
    row(
        "contentSchema removed",
        with_(JSON_TEXT, contentSchema=obj({"a": S})),
        JSON_TEXT,
        *WIDEN,
        "content-schema-removed",
    ),
    row(
        "contentSchema property became required",
        with_(JSON_TEXT, contentSchema=obj({"a": S})),
        with_(JSON_TEXT, contentSchema=obj({"a": S}, ("a",))),
        *NARROW,
        ".became-required",
    ),
    # const (Validation §6.1.3): an enum of one value
    row("const added", S, with_(S, const="a"), *NARROW, "became-enum"),
    row("const removed", with_(S, const="a"), S, *WIDEN, "enum-removed"),
    row(
        "const changed",
        with_(S, const="a"),
        with_(S, const="b"),
        *BOTH,
        "enum-value-added",
        "enum-value-removed",
    ),
    row(
        "const widened to an enum holding it",
        with_(S, const="a"),
        with_(S, enum=["a", "b"]),
        *WIDEN,
        "enum-value-added",
    ),
    # not (Core §10.2.1.4)
    row("not added", B, with_(B, **{"not": {"required": ["phone"]}}), *NARROW, "not-added"),
    row("not removed", with_(B, **{"not": {"required": ["phone"]}}), B, *WIDEN, "not-removed"),
    row(
        "narrowing inside `not` widens the whole",
        with_(B, **{"not": {"required": ["phone"]}}),
        with_(B, **{"not": {"required": ["phone", "email"]}}),
        *WIDEN,
        "request:=new-required-request-property",
        "response:=response-required-property-added",
    ),
    row(
        "widening inside `not` narrows the whole",
        with_(B, **{"not": {"required": ["phone", "email"]}}),
        with_(B, **{"not": {"required": ["phone"]}}),
        *NARROW,
        "request:=request-property-removed",
        "response:=response-property-removed",
    ),
    row(
        "a bound inside `not` tightened",
        with_(S, **{"not": short(3)}),
        with_(S, **{"not": short(2)}),
        *WIDEN,
        ".max-length-decreased",
    ),
    row(
        "`not` inside `not` acts as written",
        with_(B, **{"not": {"not": {"required": ["phone"]}}}),
        with_(B, **{"not": {"not": {"required": ["phone", "email"]}}}),
        *NARROW,
        "request:=new-required-request-property",
        "response:=response-required-property-added",
    ),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
@pytest.mark.parametrize("direction", ["request", "response"])
def test_verdict_per_direction(row: Row, direction: str) -> None:
    judge(row, direction)


def test_every_2020_keyword_has_a_row_each_way() -> None:
    """Each keyword is tested narrowing and widening (or changing), in both directions."""
    keywords = [
        *("dependentRequired", "dependentSchemas", "if", "then", "else", "prefixItems"),
        *("contains", "minContains", "maxContains", "patternProperties", "propertyNames"),
        *("unevaluatedProperties", "unevaluatedItems", "contentMediaType", "contentEncoding"),
        *("contentSchema", "const", "not"),
    ]
    for keyword in keywords:
        verdicts = {(r.request, r.response) for r in ROWS if keyword in repr((r.old, r.new))}
        assert verdicts & {NARROW, BOTH} and verdicts & {WIDEN, BOTH}, keyword


def test_changes_inside_a_subschema_point_into_it() -> None:
    old = with_(B, **{"not": {"required": ["phone"]}})
    new = with_(B, **{"not": {"required": ["phone", "email"]}})
    (change,) = judge(
        row("", old, new, *WIDEN, "request:=new-required-request-property"), "request"
    ).changes
    assert change.new_pointer is not None and change.new_pointer.endswith(
        "/schema/not/properties/email"
    )
    assert "subschema `<not>.email`" in change.subject
