"""An operation's path, query, header and cookie parameters -> ir.Param: the path item's and the
operation's merged, typed, named for Python, and the headers OpenAPI says to ignore set aside."""

from __future__ import annotations

import re
from collections.abc import Set
from typing import Any

from apiforge.codegen import ir
from apiforge.codegen.annotations import schema_annotation
from apiforge.codegen.docs import property_doc, sentence
from apiforge.document import pointer as jp
from apiforge.document.walk import deref, deref_located, get_ref
from apiforge.plan.names import PythonIdentifier, unique

__all__ = ["operation_params"]

# OpenAPI: a header parameter of one of these names "SHALL be ignored" (HTTP and auth set them)
_HTTP_OWNED_HEADERS = frozenset({"accept", "content-type", "authorization"})


def operation_params(
    op: dict[str, Any], at: str, path: str, doc: dict[str, Any], taken: Set[str]
) -> tuple[tuple[ir.Param, ...], dict[tuple[str, str], str], list[tuple[str, str]]]:
    """The parameters, named apart from `taken`; (location, wire name) -> the wire text of the
    only value one allows; and (pointer, message) for each header parameter OpenAPI says to ignore."""
    written_at = jp.join("#/paths", path)  # a path item may be a $ref (to components/pathItems)
    item, item_at = deref_located(get_ref(doc, written_at), doc, written_at)
    merged: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for owner, owner_at in ((item, item_at), (op, at)):
        raw = owner.get("parameters") if isinstance(owner, dict) else None
        for i, param in enumerate(raw if isinstance(raw, list) else []):
            param = deref(param, doc)
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                where = jp.join(owner_at, "parameters", i)
                merged[(str(param.get("in")), param["name"])] = (param, where)
    names = set(taken)
    crowded = _crowded(path)
    out: list[ir.Param] = []
    single: dict[tuple[str, str], str] = {}
    ignored: list[tuple[str, str]] = []
    for (location, wire), (param, where) in merged.items():
        if location not in ("path", "query", "header", "cookie"):
            continue
        if location == "header" and wire.lower() in _HTTP_OWNED_HEADERS:
            ignored.append((where, _ignored_header(wire)))
            continue
        only = _only_value(param.get("schema"), doc)
        if only is not None:
            single[(location, wire)] = only
        name = unique(str(PythonIdentifier(wire, avoid_builtins=False)), names)
        required = bool(param.get("required")) or location == "path"
        annotation = schema_annotation(param.get("schema"), doc)
        choices = _listed(param.get("schema"), doc) if wire in crowded else ()
        description = _param_doc(param, doc)
        out.append(
            ir.Param(name, wire, location, annotation, required, description, None, choices)  # type: ignore[arg-type]
        )
    out.sort(key=lambda p: (not p.required, p.location != "path"))
    return tuple(out), single, ignored


def _param_doc(param: dict[str, Any], doc: dict[str, Any]) -> str:
    """A parameter's description, then its schema's default and constraints."""
    described = sentence(param.get("description"))
    return " ".join(filter(None, [described, property_doc(param.get("schema"), doc)]))


def _ignored_header(wire: str) -> str:
    return (
        f"header parameter {wire!r} is ignored, as OpenAPI says: the client sets {wire} itself"
        " (from the body's media type, the response it reads, or the security scheme)"
    )


def _crowded(path: str) -> set[str]:
    """The path parameters that share a segment with another, nothing between them
    (`/blog/{page}{extension}`): where Starlette's greedy match would split them."""
    return {
        name.lstrip("+")
        for segment in path.split("?")[0].split("#")[0].split("/")
        if "}{" in segment
        for name in re.findall(r"\{([^{}]+)\}", segment)
    }


def _listed(schema: Any, doc: dict[str, Any]) -> tuple[str, ...]:
    """The strings a path parameter's enum lists (none empty or holding `/`), else ()."""
    schema = deref(schema, doc)
    enum = schema.get("enum") if isinstance(schema, dict) else None
    if not isinstance(enum, list) or not enum:
        return ()
    if not all(isinstance(v, str) and v and "/" not in v for v in enum):
        return ()
    return tuple(dict.fromkeys(enum))


def _only_value(schema: Any, doc: dict[str, Any]) -> str | None:
    """The wire text of a parameter schema's one allowed value (`enum: [x]`, `const`), else None."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict):
        return None
    enum = schema.get("enum")
    values = enum if isinstance(enum, list) else [schema["const"]] if "const" in schema else []
    if len(values) != 1 or not isinstance(values[0], str | int | float | bool):
        return None
    value = values[0]
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
