"""JSON documents: parsed by the stdlib, held to the limits YAML is held to, and located lazily.

The stdlib parser keeps no positions, so `index_json` scans the text once, only when a diagnostic
needs a line, mapping every JSON pointer to where its value starts.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import sys
from collections.abc import Callable
from typing import Any

from apiforge.document import pointer as jp
from apiforge.findings.diagnostic import SpecError, located_error


def load_error(
    display: str, message: str, line: int = 1, col: int = 1, pointer: str = "#"
) -> SpecError:
    """A SpecError of the load stage (YAML and JSON alike)."""
    return located_error(display, message, line, col, pointer, "load")


def parse_json(text: str, display: str, max_depth: int) -> Any:
    """JSON text -> data, refusing duplicate keys, non-finite numbers, lone surrogates, deep nesting."""

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise _DuplicateKey(key)
            out[key] = value
        return out

    def finite(token: str) -> float:
        number = float(token)
        if not math.isfinite(number):
            raise _BadNumber(token)
        return number

    def bad_constant(token: str) -> Any:
        raise _BadNumber(token)

    try:
        data = json.loads(
            text, object_pairs_hook=no_duplicates, parse_float=finite, parse_constant=bad_constant
        )
    except _DuplicateKey as exc:
        where = _duplicate_key_position(text, exc.key)
        raise load_error(display, f"duplicate key {exc.key!r}", *where) from None
    except _BadNumber as exc:
        bad = exc.token
        where = _json_position(text, lambda tok, _depth: tok == bad)
        raise load_error(display, f"{bad} is not a JSON number", *where) from None
    except json.JSONDecodeError as exc:
        raise load_error(display, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError:  # an integer too long to convert
        digits = sys.get_int_max_str_digits()
        where = _json_position(text, lambda tok, _depth: len(tok.lstrip("-")) > digits)
        raise load_error(display, "invalid JSON: a number has too many digits", *where) from None
    except RecursionError:
        data = _TOO_DEEP
    if data is _TOO_DEEP or _too_deep(data, max_depth):
        where = _json_position(text, lambda _tok, depth: depth > max_depth)
        raise load_error(display, f"document is nested deeper than {max_depth} levels", *where)
    if _SURROGATE_ESCAPE.search(text) and not _is_unicode(data):
        where = _json_position(text, lambda tok, _depth: not _is_unicode(tok, escaped=True))
        raise load_error(
            display, "a string has an unpaired UTF-16 surrogate (\\uD800-\\uDFFF)", *where
        )
    return data


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _BadNumber(Exception):
    def __init__(self, token: str) -> None:
        self.token = token


_TOO_DEEP = object()
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _is_unicode(value: Any, escaped: bool = False) -> bool:
    """Whether the value's strings are all valid Unicode (a JSON token when `escaped`)."""
    if escaped:
        if not value.startswith('"') or not _SURROGATE_ESCAPE.search(value):
            return True
        value = json.loads(value)
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_deep(data: Any, max_depth: int) -> bool:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return False


def _json_position(text: str, wanted: Callable[[str, int], bool]) -> tuple[int, int]:
    """(line, col) of the first value or key token wanted, given how many containers enclose it."""
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        if tok in ("}", "]"):
            depth -= 1
        elif tok not in (",", ":"):
            if wanted(tok, depth):
                return line_col(text, m.start())
            if tok in ("{", "["):
                depth += 1
    return 1, 1


def _duplicate_key_position(text: str, key: str) -> tuple[int, int]:
    """(line, col) of the second `key` inside one JSON object."""
    objects: list[set[str] | None] = []  # the keys seen in each open object; None for an array
    expect_key = False
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        if tok in ("{", "["):
            objects.append(set() if tok == "{" else None)
            expect_key = tok == "{"
        elif tok in ("}", "]"):
            objects.pop()
            expect_key = False
        elif tok == ",":
            expect_key = bool(objects) and objects[-1] is not None
        elif expect_key and tok.startswith('"'):
            expect_key = False
            seen, name = objects[-1], json.loads(tok)
            if seen is not None and name in seen and name == key:
                return line_col(text, m.start())
            if seen is not None:
                seen.add(name)
    return 1, 1


def line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


def index_json(text: str) -> dict[str, tuple[int, int]]:
    """Map every pointer in a JSON text to the (line, col) where its value starts."""
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(line_starts, offset) - 1
        return i + 1, offset - line_starts[i] + 1

    index: dict[str, tuple[int, int]] = {}
    stack: list[list[Any]] = []  # [kind, tokens, next_index_or_key]
    path: list[str] = []
    expect_key = False
    pending_key: str | None = None
    for m in _JSON_TOKEN.finditer(text):
        tok = m.group()
        if tok in ",:":
            if tok == "," and stack and stack[-1][0] == "obj":
                expect_key = True
            continue
        if tok in "}]":
            stack.pop()
            if path:
                path.pop()
            continue
        if stack and stack[-1][0] == "obj" and expect_key:
            pending_key = json.loads(tok) if tok.startswith('"') else tok
            expect_key = False
            continue
        # a value starts here
        if stack:
            frame = stack[-1]
            if frame[0] == "arr":
                token = str(frame[1])
                frame[1] += 1
            else:
                token = pending_key or ""
            here = [*path, token]
        else:
            here = []
        index[jp.from_tokens(here)] = position(m.start())
        if tok in "{[":
            stack.append(["obj" if tok == "{" else "arr", 0])
            if stack[:-1]:
                path.append(here[-1])
            expect_key = tok == "{"
    return index
