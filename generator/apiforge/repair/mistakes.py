"""Bundle -> Bundle: repair the harmless mistakes real documents make, each with a warning.

OpenAI's own document, like many public ones, fails strict validation in ways that do not change
what the code means (a `default: null` on a non-nullable schema, `nullable` in 3.1, a boolean
`exclusiveMinimum` in 3.1, a `required` list naming a property twice, an ECMA-only `pattern`). `validate` stays strict;
`generate` repairs these first, names each repair at its file and line, then validates what is
left and refuses whatever still fails: a repair never guesses at what a schema means.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle
from apiforge.document.load import plain_copy
from apiforge.document.patterns import portable_pattern
from apiforge.document.versions import json_schema_2020
from apiforge.document.walk import deref, iter_objects
from apiforge.findings.diagnostic import Diagnostic
from apiforge.findings.finding import Finding
from apiforge.repair import repaired
from apiforge.repair.defaults import unfit_defaults
from apiforge.repair.limits import limit_for_models

SchemaRepair = Callable[[dict[str, Any], str, dict[str, Any]], Iterator[Finding]]


def repair_bundle(bundle: Bundle) -> tuple[Bundle, list[Diagnostic]]:
    """A copy of the bundle with harmless problems fixed, and one warning per fix."""
    doc = plain_copy(bundle.data)
    schema_2020 = json_schema_2020(doc)
    fixes: list[Finding] = list(_info(doc))
    walked = [(tokens, node) for tokens, kind, node in iter_objects(doc) if kind == "schema"]
    for repair, concerns in _REPAIRS:
        for tokens, node in walked:
            if concerns(node):  # most schemas concern no repair: no pointer, no generator for them
                fixes.extend(repair(node, jp.from_tokens(tokens), doc))
    defaults = [(jp.from_tokens(tokens), node) for tokens, node in walked if "default" in node]
    fixes.extend(unfit_defaults(doc, defaults, schema_2020))
    # the repairs above may have added schemas (`anyOf` branches, declared properties): walk again
    repaired_objects = list(iter_objects(doc))
    cuts = limit_for_models(doc, repaired_objects)  # last: it may replace schemas looked at
    fixed = dataclasses.replace(bundle, data=doc)
    if not cuts:  # nothing cut, nothing changed since the walk: it is the repaired bundle's
        fixed.walked(repaired_objects)
    return fixed, [bundle.place(f) for f in fixes + cuts]


def _info(doc: dict[str, Any]) -> Iterator[Finding]:
    info = doc.get("info")
    if isinstance(info, dict) and "version" not in info:
        info["version"] = ""
        yield repaired("#/info", "info.version is missing; generated as an empty string")


def _nullable_in_31(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    if not json_schema_2020(doc) or "nullable" not in node:
        return
    nullable = node.pop("nullable")
    kind = node.get("type")
    if nullable is not True:
        yield repaired(jp.join(at, "nullable"), "'nullable: false' in a 3.1 document was dropped")
    elif isinstance(kind, str):
        node["type"] = [kind, "null"]
        yield repaired(
            jp.join(at, "nullable"), "'nullable' in a 3.1 document was read as type: [T, 'null']"
        )
    elif isinstance(kind, list):
        node["type"] = [*kind, *([] if "null" in kind else ["null"])]
        yield repaired(
            jp.join(at, "nullable"),
            "'nullable' in a 3.1 document was read as type: [..., 'null']",
        )
    else:
        inner = {k: node.pop(k) for k in list(node) if k not in ("description", "title", "default")}
        node["anyOf"] = [inner, {"type": "null"}]
        yield repaired(
            jp.join(at, "nullable"),
            "'nullable' in a 3.1 document was read as anyOf [schema, null]",
        )


def _boolean_bounds_in_31(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    if not json_schema_2020(doc):
        return
    for flag, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        value = node.get(flag)
        if not isinstance(value, bool):
            continue
        del node[flag]
        if value and isinstance(node.get(bound), int | float):
            node[flag] = node.pop(bound)
            yield repaired(
                jp.join(at, flag), f"boolean {flag} (3.0 style) was read as {flag}: {node[flag]}"
            )
        else:
            yield repaired(
                jp.join(at, flag), f"boolean {flag} (3.0 style) without a bound was dropped"
            )


def _draft_2019_keywords(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    for key in ("$recursiveAnchor", "$recursiveRef"):
        if key in node and not isinstance(node[key], str):
            del node[key]
            yield repaired(
                jp.join(at, key), f"{key} (JSON Schema 2019-09) is not used by the generated code"
            )


def _required_list(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    required = node.get("required")
    if not isinstance(required, list):
        return
    names = [r for r in required if isinstance(r, str)]
    unique = list(dict.fromkeys(names))
    if unique != required:
        node["required"] = unique
        yield repaired(
            jp.join(at, "required"), "duplicate or non-string entries in 'required' were dropped"
        )
    declared = _declared_properties(node, doc)
    if declared is None or node.get("additionalProperties") is False:
        return
    missing = [name for name in unique if name not in declared]
    if missing:
        props = node.setdefault("properties", {})
        for name in missing:
            props[name] = {}
        what = f"required {missing} not in 'properties'; declared as properties of any type"
        yield repaired(jp.join(at, "required"), what)


def _declared_properties(node: Any, doc: dict[str, Any], depth: int = 0) -> set[str] | None:
    """Property names an object schema declares directly or through allOf (None: not an object).

    Declaring a missing one as `{}` never changes what the schema accepts: `{}` accepts anything.
    """
    node = deref(node, doc)
    if not isinstance(node, dict) or depth > 16 or node.get("type") not in (None, "object"):
        return None
    props = node.get("properties")
    names = set(props) if isinstance(props, dict) else set()
    parts = node.get("allOf")
    for part in parts if isinstance(parts, list) else []:
        names |= _declared_properties(part, doc, depth + 1) or set()
    return names


def _text_fields(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    for key in ("description", "title"):
        if key in node and not isinstance(node[key], str):
            del node[key]
            yield repaired(jp.join(at, key), f"{key} is not a string; it was dropped")


def _ecma_patterns(node: dict[str, Any], at: str, doc: dict[str, Any]) -> Iterator[Finding]:
    """A `pattern` both the validator and the generated models can compile, or none at all."""
    pattern = node.get("pattern")
    if not isinstance(pattern, str):
        return
    portable = portable_pattern(pattern)
    if portable == pattern:
        return
    where = jp.join(at, "pattern")
    if portable is None:
        del node["pattern"]
        yield repaired(
            where, "pattern uses ECMA-262 syntax Python or pydantic cannot check; it was left out"
        )
    else:
        node["pattern"] = portable
        yield repaired(where, f"pattern rewritten from ECMA-262 syntax as {portable!r}")


def _has(*keys: str) -> Callable[[dict[str, Any]], bool]:
    wanted = frozenset(keys)
    return lambda node: not wanted.isdisjoint(node)


def _odd_text(node: dict[str, Any]) -> bool:
    return any(key in node and not isinstance(node[key], str) for key in ("description", "title"))


# Each repair, and which schemas it concerns (a cheap look: the repair itself decides).
_REPAIRS: tuple[tuple[SchemaRepair, Callable[[dict[str, Any]], bool]], ...] = (
    (_nullable_in_31, _has("nullable")),
    (_boolean_bounds_in_31, _has("exclusiveMinimum", "exclusiveMaximum")),
    (_draft_2019_keywords, _has("$recursiveAnchor", "$recursiveRef")),
    (_required_list, _has("required")),
    (_text_fields, _odd_text),
    (_ecma_patterns, _has("pattern")),
)
