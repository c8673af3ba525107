"""Where each operation is served: the route a request really reaches, and what tells apart the
operations that share it.

A path key may carry a fragment (AWS's `/#X-Amz-Target=Svc.Op`, S3's `/{Bucket}#uploads`) or a
query (`/rest?method=x`, `/alerts?lat={lat}`). A fragment is never sent and a query is no part of
the route, so such operations share one (method, route): each gets a selector, the header or query
values that pick it, decided here once for the client (what it sends) and the server (how it
dispatches). Routes are ordered most specific first, so `/v1/{name}:sign` is not read as `{name}`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apiforge.codegen import ir

__all__ = ["Placement", "place", "serving_order"]

_TEMPLATE = re.compile(r"\{[^{}]*\}")
_WHOLE_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Placement:
    """One operation's route, its selector, its parameters as routed, the query it always sends."""

    route: str
    selector: ir.RouteSelector | None
    params: tuple[ir.Param, ...]
    fixed_query: tuple[tuple[str, str], ...]


def place(
    path: str, params: Sequence[ir.Param], single: Mapping[tuple[str, str], str]
) -> Placement:
    """`path` split into its route and selector. `single`: (location, wire name) -> the wire text
    of a parameter's only allowed value (a one-value enum), which the client then always sends."""
    cut = min((i for i in (path.find("#"), path.find("?")) if i >= 0), default=len(path))
    route, rest = path[:cut], path[cut:]
    query, _, fragment = (
        rest.removeprefix("?").partition("#") if rest[:1] == "?" else ("", "", rest)
    )
    fragment = fragment.removeprefix("#")
    conditions: list[ir.RouteCondition] = []
    fixed: dict[tuple[str, str], str] = {}
    fixed_query: list[tuple[str, str]] = []
    moved: dict[str, str] = {}  # a path parameter templated in the query: wire name -> query key
    routed = set(_WHOLE_TEMPLATE.findall(route))
    for pair, sent in [(p, True) for p in _pairs(query)] + [(p, False) for p in _pairs(fragment)]:
        name, value = pair
        template = _WHOLE_TEMPLATE.fullmatch(value or "")
        if template is not None:  # `?lat={lat}`: the parameter is in the query, any value
            wire = template[1].lstrip("+")
            if wire not in routed and any(
                p.wire_name == wire and p.location == "path" for p in params
            ):
                moved[wire] = name
            conditions.append(ir.RouteCondition("query", name, None))
            continue
        param = _declared(params, name)
        if param is None:
            if sent:  # the path key's own query: the client sends it as written
                fixed_query.append((name, value or ""))
                conditions.append(ir.RouteCondition("query", name, value))
            continue  # an undeclared fragment name (S3's `deprecated!`) is a note, not a value
        where: ir.SelectorLocation = "header" if param.location == "header" else "query"
        conditions.append(ir.RouteCondition(where, param.wire_name, value))
        only = value if value is not None else single.get((param.location, param.wire_name))
        if only is not None:  # the client sends what selects the operation, not the caller
            fixed[(param.location, param.wire_name)] = only
    out = []
    for p in params:
        if p.location == "path" and p.wire_name in moved:
            p = dataclasses.replace(p, location="query", wire_name=moved[p.wire_name])
        value = fixed.get((p.location, p.wire_name))
        out.append(dataclasses.replace(p, fixed=value) if value is not None else p)
    selector = ir.RouteSelector(tuple(dict.fromkeys(conditions))) if conditions else None
    return Placement(route, selector, tuple(out), tuple(fixed_query))


def _pairs(text: str) -> list[tuple[str, str | None]]:
    """`a=1&b` -> [("a", "1"), ("b", None)]."""
    out: list[tuple[str, str | None]] = []
    for part in text.split("&"):
        name, eq, value = part.partition("=")
        if name:
            out.append((name, value if eq else None))
    return out


def _declared(params: Sequence[ir.Param], name: str) -> ir.Param | None:
    """The header (any case) or query parameter a selector's name stands for."""
    for p in params:
        if p.location == "query" and p.wire_name == name:
            return p
    for p in params:
        if p.location == "header" and p.wire_name.lower() == name.lower():
            return p
    return None


def serving_order(
    operations: Sequence[tuple[ir.Operation, str]],
) -> tuple[tuple[ir.Operation, ...], list[tuple[str, str]]]:
    """Operations in the order the server registers and tries them, and (pointer, message) for
    each one it can never reach. Routes with more literal text come first (ties: reserved `{+x}`
    last, then document order); on one route, selectors with more conditions first, none last."""
    groups: dict[tuple[str, str], list[tuple[int, ir.Operation, str]]] = {}
    for index, (op, at) in enumerate(operations):
        groups.setdefault((op.http_method, op.route), []).append((index, op, at))

    def route_key(
        item: tuple[tuple[str, str], list[tuple[int, ir.Operation, str]]],
    ) -> tuple[int, int, int]:
        (_, route), members = item
        return (-len(_TEMPLATE.sub("", route)), route.count("{+"), members[0][0])

    ordered: list[ir.Operation] = []
    notes: list[tuple[str, str]] = []
    for (method, route), members in sorted(groups.items(), key=route_key):
        members.sort(key=lambda m: (m[1].selector is None, -_size(m[1].selector), m[0]))
        seen: dict[frozenset[ir.RouteCondition], ir.Operation] = {}
        for _, op, at in members:
            conditions = frozenset(op.selector.conditions if op.selector else ())
            first = seen.get(conditions)
            if first is not None:
                notes.append((at, _unreachable(op, first, method, route)))
                continue
            seen[conditions] = op
            ordered.append(op)
    return tuple(ordered), notes


def _size(selector: ir.RouteSelector | None) -> int:
    return len(selector.conditions) if selector else 0


def _unreachable(op: ir.Operation, first: ir.Operation, method: str, route: str) -> str:
    return (
        f"{method} {op.path!r} reaches the same route {route!r} as {first.path!r} with nothing"
        f" (no header or query value) to tell them apart: the generated server answers both with"
        f" {first.operation_id!r}; clients call each"
    )
