"""Path keys and operations: query strings, trailing-slash twins, ambiguous templates, operations
without a success response, header parameters that are one header."""

from __future__ import annotations

import re
from collections.abc import Iterator

from apiforge.document import pointer as jp
from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, rule

_TEMPLATE = re.compile(r"^\{[^{}]+\}$")


@rule("path-query-string", Severity.WARNING)
def path_query_string(ctx: Context) -> Iterator[Finding]:
    """A path key holds no query string (`/search?q=`): describe it as a query parameter."""
    for path_item in ctx.path_items:
        if "?" in path_item.path:
            message = f"path {path_item.path!r} holds a query string; use `in: query` parameters"
            yield Finding(path_item.pointer, message)


@rule("path-trailing-slash", Severity.WARNING)
def path_trailing_slash(ctx: Context) -> Iterator[Finding]:
    """`/a` and `/a/` are not both paths: servers and proxies often treat them as one."""
    keys = {path_item.path for path_item in ctx.path_items}
    for path_item in ctx.path_items:
        path = path_item.path
        if len(path) > 1 and path.endswith("/") and path.rstrip("/") in keys:
            message = f"path {path!r} and {path.rstrip('/')!r} differ only in a trailing slash"
            yield Finding(path_item.pointer, message)


@rule("path-ambiguous", Severity.WARNING)
def path_ambiguous(ctx: Context) -> Iterator[Finding]:
    """Two templates that match one URL, neither more specific (`/a/{x}` and `/{y}/b` both match
    `/a/b`): which operation answers depends on the router."""
    trie: dict[str, object] = {}
    for path_item in ctx.path_items:
        path = path_item.path
        segments = path.split("?")[0].strip("/").split("/")
        shape = ["{}" if _TEMPLATE.match(s) else s for s in segments]
        other = _match(trie, shape, 0, frozenset())
        if other is not None:
            yield Finding(path_item.pointer, f"path {path!r} and {other!r} can match the same URL")
        _insert(trie, shape, path)


def _match(node: dict[str, object], shape: list[str], i: int, seen: frozenset[int]) -> str | None:
    """An earlier path that matches a URL `shape` matches, neither of them the more specific:
    each has a template where the other has a literal (1: this one's template, 2: the other's).
    Concrete segments win over templates in every router, so `/a/{x}` and `/a/b` are no pair."""
    if i == len(shape):
        end = node.get("\0")
        return str(end) if isinstance(end, str) and seen == {1, 2} else None
    segment = shape[i]
    if segment == "{}":
        steps = [(k, 1 if k != "{}" else 0) for k in node if k != "\0"]
    else:
        steps = [(k, 2 if k == "{}" else 0) for k in (segment, "{}") if k in node]
    for key, side in steps:
        child = node[key]
        if isinstance(child, dict):
            found = _match(child, shape, i + 1, seen | {side} - {0})
            if found is not None:
                return found
    return None


def _insert(trie: dict[str, object], shape: list[str], path: str) -> None:
    node = trie
    for segment in shape:
        child = node.setdefault(segment, {})
        assert isinstance(child, dict)
        node = child
    node.setdefault("\0", path)


@rule("operation-success", Severity.WARNING)
def operation_success(ctx: Context) -> Iterator[Finding]:
    """Every operation documents a success: a 2xx (or 2XX) response; `default` alone is read as
    the error response (the client's method returns nothing), so it does not count."""
    for found in ctx.operations:
        responses = found.operation.get("responses")
        if not isinstance(responses, dict):
            continue
        codes = [str(c).upper() for c in responses]
        if not any(c.startswith("2") for c in codes):
            only = " (`default` is read as its error response)" if "DEFAULT" in codes else ""
            message = f"{found.method.upper()} {found.path} documents no 2xx response{only}"
            yield Finding(jp.join(found.pointer, "responses"), message)


@rule("duplicate-parameters", relaxed_for_generate=True)
def duplicate_parameters(ctx: Context) -> Iterator[Finding]:
    """Header parameters whose names differ only in case are one header (HTTP names are
    case-insensitive); OpenAPI forbids duplicated parameters (the same name in the same place)."""
    lists = [(path_item.item, path_item.pointer) for path_item in ctx.path_items]
    lists += [(found.operation, found.pointer) for found in ctx.operations]
    for owner, where in lists:
        params = owner.get("parameters")
        seen: dict[str, str] = {}
        for i, param in enumerate(params if isinstance(params, list) else []):
            param = ctx.deref(param)
            if not isinstance(param, dict) or param.get("in") != "header":
                continue
            name = str(param.get("name"))
            if name.lower() in seen and seen[name.lower()] != name:
                message = f"header parameters {name!r} and {seen[name.lower()]!r} are one header"
                yield Finding(jp.join(where, "parameters", i), message)
            seen.setdefault(name.lower(), name)
