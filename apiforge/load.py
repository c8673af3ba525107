"""Bytes -> Document: plain JSON-like data that still knows the file, line and column of each node.

YAML goes through PyYAML's composer (libyaml when available, for speed): its node tree carries
marks, so we keep the tree and find a pointer's line only when a diagnostic asks. We build the data
ourselves from the nodes, which lets us refuse what makes YAML dangerous or ambiguous (custom tags,
merge keys, duplicate keys, alias bombs) before anything is expanded. JSON goes through the stdlib
parser, and a small scanner finds positions lazily.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from apiforge import pointer as jp
from apiforge.diagnostics import Diagnostic, Severity, SpecError

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 200
MAX_NODES = 3_000_000

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SCALARS = yaml.SafeLoader("")  # only its construct_yaml_* converters are used


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    col: int


@dataclass
class Document:
    """One parsed file: its data, and a way back from a JSON pointer to a line."""

    path: Path
    display: str
    data: Any
    _yaml_root: yaml.Node | None = None
    _text: str | None = None
    _json_index: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    def locate(self, pointer: str) -> Location:
        """The line and column (1-based) of the deepest node on the pointer's path."""
        try:
            tokens = jp.split(pointer)
        except ValueError:
            tokens = []
        if self._yaml_root is not None:
            line, col = _locate_yaml(self._yaml_root, tokens)
        elif self._text is not None:
            line, col = self._locate_json(tokens)
        else:
            line, col = 1, 1
        return Location(self.display, line, col)

    def _locate_json(self, tokens: list[str]) -> tuple[int, int]:
        if self._json_index is None:
            self._json_index = _index_json(self._text or "")
        for n in range(len(tokens), -1, -1):
            hit = self._json_index.get(jp.from_tokens(tokens[:n]))
            if hit:
                return hit
        return 1, 1


def load_document(path: Path, display: str | None = None) -> Document:
    """Read and parse one file; every failure is a SpecError naming the file (and line if known)."""
    shown = display if display is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(shown, f"file is {size} bytes, over the {MAX_BYTES}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise _fail(shown, f"cannot read file: {exc.strerror or exc}") from None
    return parse_document(raw, path, shown)


def parse_document(raw: bytes, path: Path, display: str) -> Document:
    if len(raw) > MAX_BYTES:
        raise _fail(display, f"document is over the {MAX_BYTES}-byte limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _fail(display, f"file is not valid UTF-8 (byte {exc.start})", line, col) from None
    if "\x00" in text:
        raise _fail(display, "file contains a NUL character")
    if path.suffix.lower() == ".json":
        doc = _parse_json(text, path, display)
    else:
        doc = _parse_yaml(text, path, display)
    if not isinstance(doc.data, dict):
        raise _fail(display, "document is not a mapping (an OpenAPI document is a JSON object)")
    return doc


def _fail(display: str, message: str, line: int = 1, col: int = 1, pointer: str = "#") -> SpecError:
    return SpecError([Diagnostic(display, line, col, Severity.ERROR, message, pointer, "load")])


# --- YAML -----------------------------------------------------------------------------------------


def _parse_yaml(text: str, path: Path, display: str) -> Document:
    _check_yaml_depth(text, display)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise _fail(display, f"invalid YAML: {exc.problem or exc.context}", line, col) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        char = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        message = f"invalid YAML: character #x{char:04x}: {exc.reason}"
        raise _fail(display, message, line, col) from None
    except yaml.YAMLError as exc:
        raise _fail(display, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise _fail(display, "YAML nesting is too deep") from None
    if root is None:
        raise _fail(display, "document is empty")
    builder = _YamlBuilder(display)
    builder.check_size(root)
    data = builder.build(root, [], 0)
    return Document(path.resolve(), display, data, _yaml_root=root)


def _check_yaml_depth(text: str, display: str) -> None:
    """Refuse deep nesting from the event stream, before libyaml's recursive composer can crash."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    mark = event.start_mark
                    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
                    message = f"document is nested deeper than {MAX_DEPTH} levels"
                    raise _fail(display, message, line, col)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # composing stops at the same place and reports it with its position


class _YamlBuilder:
    """Turns a composed node tree into plain data, refusing what OpenAPI documents never need."""

    def __init__(self, display: str) -> None:
        self.display = display
        self._sizes: dict[int, int] = {}

    def _error(self, node: yaml.Node, message: str, tokens: list[str]) -> SpecError:
        mark = node.start_mark
        return _fail(self.display, message, mark.line + 1, mark.column + 1, jp.from_tokens(tokens))

    def check_size(self, root: yaml.Node) -> None:
        """Refuse alias bombs: count the nodes the data would have once aliases are expanded."""
        stack: list[tuple[yaml.Node, bool]] = [(root, False)]
        open_nodes: set[int] = set()  # the path from the root to the node being expanded
        while stack:
            node, children_done = stack.pop()
            if id(node) in self._sizes:
                continue
            if not children_done and id(node) in open_nodes:
                raise self._error(node, "YAML alias refers to a node that contains it", [])
            children = _children(node)
            if children_done or not children:
                open_nodes.discard(id(node))
                total = 1 + sum(self._sizes.get(id(c), 0) for c in children)
                if total > MAX_NODES:
                    raise self._error(
                        node, f"document expands to over {MAX_NODES} nodes (YAML alias bomb?)", []
                    )
                self._sizes[id(node)] = total
            else:
                open_nodes.add(id(node))
                stack.append((node, True))
                stack.extend((c, False) for c in children if id(c) not in self._sizes)

    def build(self, node: yaml.Node, tokens: list[str], depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise self._error(node, f"document is nested deeper than {MAX_DEPTH} levels", tokens)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, tokens)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _YAML + "seq":
                raise self._error(node, f"unsupported YAML tag {node.tag!r}", tokens)
            return [
                self.build(item, [*tokens, str(i)], depth + 1) for i, item in enumerate(node.value)
            ]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, tokens, depth)
        raise self._error(node, "unsupported YAML node", tokens)  # pragma: no cover

    def _mapping(self, node: yaml.MappingNode, tokens: list[str], depth: int) -> dict[str, Any]:
        if node.tag != _YAML + "map":
            raise self._error(node, f"unsupported YAML tag {node.tag!r}", tokens)
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                if key_node.tag == _YAML + "merge":
                    raise self._error(key_node, "YAML merge keys (<<) are not supported", tokens)
                raise self._error(key_node, "mapping keys must be plain scalars", tokens)
            key = str(key_node.value)
            if key in out:
                raise self._error(key_node, f"duplicate key {key!r}", [*tokens, key])
            out[key] = self.build(value_node, [*tokens, key], depth + 1)
        return out

    def _scalar(self, node: yaml.ScalarNode, tokens: list[str]) -> Any:
        tag = node.tag
        if tag not in _SCALAR_TAGS:
            raise self._error(node, f"unsupported YAML tag {tag!r}", tokens)
        if tag.endswith(":str") or tag.endswith(":timestamp"):
            return str(node.value)  # OpenAPI is JSON: dates stay the text that was written
        try:
            if tag.endswith(":int"):
                return _SCALARS.construct_yaml_int(node)
            if tag.endswith(":float"):
                number = _SCALARS.construct_yaml_float(node)
                if not math.isfinite(number):
                    raise self._error(node, f"{node.value!r} is not a JSON number", tokens)
                return number
            if tag.endswith(":bool"):
                return _SCALARS.construct_yaml_bool(node)
        except (ValueError, yaml.YAMLError):
            raise self._error(node, f"invalid scalar {node.value!r}", tokens) from None
        return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _locate_yaml(root: yaml.Node, tokens: list[str]) -> tuple[int, int]:
    node = root
    for token in tokens:
        nxt: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode) and str(key_node.value) == token:
                    nxt = value_node
                    break
        elif isinstance(node, yaml.SequenceNode) and token.isdigit():
            nxt = node.value[int(token)] if int(token) < len(node.value) else None
        if nxt is None:
            break
        node = nxt
    return node.start_mark.line + 1, node.start_mark.column + 1


# --- JSON -----------------------------------------------------------------------------------------


def _parse_json(text: str, path: Path, display: str) -> Document:
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
        raise _fail(display, f"duplicate key {exc.key!r}", *where) from None
    except _BadNumber as exc:
        bad = exc.token
        where = _json_position(text, lambda tok, _depth: tok == bad)
        raise _fail(display, f"{bad} is not a JSON number", *where) from None
    except json.JSONDecodeError as exc:
        raise _fail(display, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError:  # an integer too long to convert
        digits = sys.get_int_max_str_digits()
        where = _json_position(text, lambda tok, _depth: len(tok.lstrip("-")) > digits)
        raise _fail(display, "invalid JSON: a number has too many digits", *where) from None
    except RecursionError:
        data = _TOO_DEEP
    if data is _TOO_DEEP or _too_deep(data):
        where = _json_position(text, lambda _tok, depth: depth > MAX_DEPTH)
        raise _fail(display, f"document is nested deeper than {MAX_DEPTH} levels", *where)
    if _SURROGATE_ESCAPE.search(text) and not _is_unicode(data):
        where = _json_position(text, lambda tok, _depth: not _is_unicode(tok, escaped=True))
        raise _fail(display, "a string has an unpaired UTF-16 surrogate (\\uD800-\\uDFFF)", *where)
    return Document(path.resolve(), display, data, _text=text)


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


def _too_deep(data: Any) -> bool:
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
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
                return _line_col(text, m.start())
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
                return _line_col(text, m.start())
            if seen is not None:
                seen.add(name)
    return 1, 1


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.S)


def _index_json(text: str) -> dict[str, tuple[int, int]]:
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
