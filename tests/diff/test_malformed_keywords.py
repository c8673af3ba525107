"""The 2020-12 keywords, patterns, webhooks and callbacks, written wrong: the diff survives them."""

from __future__ import annotations

import copy
import random
from typing import Any

from apiforge.diff import ALL_KINDS, diff_documents
from tests.diff import test_events, test_json_schema_2020
from tests.diff.test_documents import _places, api

_ODD: list[Any] = [
    None, 1, "x", [], {}, True, False, {"$ref": "#/nope"},
    {"dependentRequired": "x"}, {"dependentRequired": {"a": "b"}}, {"dependentSchemas": [1]},
    {"prefixItems": {}}, {"prefixItems": [1, None]}, {"contains": 1}, {"minContains": "x"},
    {"contains": {}, "maxContains": True}, {"patternProperties": []}, {"patternProperties": {"[": 1}},
    {"not": 1}, {"if": [], "then": None}, {"else": "x"}, {"contentMediaType": 5},
    {"contentSchema": []}, {"unevaluatedProperties": "no"}, {"propertyNames": 3},
    {"pattern": "("}, {"pattern": 5}, {"pattern": "(?<=a)b"}, {"pattern": "a{99999}"},
    {"callbacks": []}, {"callbacks": {"cb": 1}}, {"callbacks": {"cb": {"{$url}": 1}}},
    {"webhooks": []}, {"webhooks": {"w": 1}}, {"webhooks": {"w": {"post": 1}}},
]  # fmt: skip


def _bases() -> list[dict[str, Any]]:
    docs = [case.old for case in test_events.CASES] + [case.new for case in test_events.CASES]
    for row in test_json_schema_2020.ROWS:
        docs.append(api(openapi="3.1.0", req=row.old, resp=row.new))
    return docs


def test_odd_values_in_new_keywords_never_crash() -> None:
    rng = random.Random(11)
    bases = _bases()
    for _ in range(300):
        base = rng.choice(bases)
        doc = copy.deepcopy(base)
        for _ in range(2):
            place = rng.choice(_places(doc))
            parent = doc
            for key in place[:-1]:
                parent = parent[key]
            parent[place[-1]] = copy.deepcopy(rng.choice(_ODD))
        for old, new in ((base, doc), (doc, base), (doc, doc)):
            for change in diff_documents(old, new).changes:
                assert change.kind in ALL_KINDS
