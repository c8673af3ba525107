"""Bytes -> Document: plain JSON-like data that still knows the file, line and column of each node.

YAML goes through PyYAML's composer (libyaml when available, for speed): its node tree carries
marks, so we keep the tree and find a pointer's line only when a diagnostic asks. We build the data
ourselves from the nodes, which lets us refuse what makes YAML dangerous or ambiguous (custom tags,
merge keys, duplicate keys, alias bombs) before anything is expanded. JSON goes through the stdlib
parser, and a small scanner finds positions lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from apiforge import pointer as jp
from apiforge.diagnostics import SpecError
from apiforge.load_json import index_json, line_col, load_error, parse_json

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 1000  # levels below the root; stages run with room for it (deep_stack.py)
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
            self._json_index = index_json(self._text or "")
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
            raise load_error(shown, f"file is {size} bytes, over the {MAX_BYTES}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise load_error(shown, f"cannot read file: {exc.strerror or exc}") from None
    return parse_document(raw, path, shown)


def parse_document(raw: bytes, path: Path, display: str) -> Document:
    if len(raw) > MAX_BYTES:
        raise load_error(display, f"document is over the {MAX_BYTES}-byte limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise load_error(
            display, f"file is not valid UTF-8 (byte {exc.start})", line, col
        ) from None
    if "\x00" in text:
        raise load_error(display, "file contains a NUL character")
    if path.suffix.lower() == ".json":
        data = parse_json(text, display, MAX_DEPTH)
        doc = Document(path.resolve(), display, data, _text=text)
    else:
        doc = _parse_yaml(text, path, display)
    if not isinstance(doc.data, dict):
        raise load_error(
            display, "document is not a mapping (an OpenAPI document is a JSON object)"
        )
    return doc


# --- YAML -----------------------------------------------------------------------------------------


def _parse_yaml(text: str, path: Path, display: str) -> Document:
    loader = _loader_for_depth(text, display)
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        line, col = _position(exc.problem_mark or exc.context_mark)
        raise load_error(
            display, f"invalid YAML: {exc.problem or exc.context}", line, col
        ) from None
    except yaml.reader.ReaderError as exc:
        line, col = line_col(text, exc.position)
        char = ord(exc.character) if isinstance(exc.character, str) else int(exc.character)
        message = f"invalid YAML: character #x{char:04x}: {exc.reason}"
        raise load_error(display, message, line, col) from None
    except yaml.YAMLError as exc:
        raise load_error(display, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise load_error(display, "YAML nesting is too deep") from None
    if root is None:
        raise load_error(display, "document is empty")
    builder = _YamlBuilder(display)
    builder.check_size(root)
    data = builder.build(root, [], 0)
    return Document(path.resolve(), display, data, _yaml_root=root)


def _loader_for_depth(text: str, display: str) -> type[yaml.SafeLoader]:
    """The loader to compose with, once the nesting is known to be within MAX_DEPTH.

    libyaml (PyYAML >= 6.0.4) refuses about 1,000 levels itself; a document it refuses but that
    is within our limit is read by PyYAML's pure-Python parser instead (slower, no such limit).
    """
    try:
        _check_yaml_depth(text, display, _Loader)
        return _Loader
    except _LibyamlTooDeep:
        _check_yaml_depth(text, display, yaml.SafeLoader)
        return yaml.SafeLoader


class _LibyamlTooDeep(Exception):
    """libyaml's own nesting limit stopped the parse before ours did."""


def _check_yaml_depth(text: str, display: str, loader: type[yaml.SafeLoader]) -> None:
    """Refuse deep nesting from the event stream, before a recursive composer can crash."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    line, col = _position(event.start_mark)
                    message = f"document is nested deeper than {MAX_DEPTH} levels"
                    raise load_error(display, message, line, col)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        if "nesting" in str(exc.problem) and loader is not yaml.SafeLoader:
            raise _LibyamlTooDeep from None  # libyaml's own depth limit (PyYAML >= 6.0.4)
        return  # composing stops at the same place and reports it with its position
    except yaml.YAMLError:
        return


def _position(mark: Any) -> tuple[int, int]:
    """1-based line and column of a PyYAML or libyaml mark (both count from 0), or None."""
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


class _YamlBuilder:
    """Turns a composed node tree into plain data, refusing what OpenAPI documents never need."""

    def __init__(self, display: str) -> None:
        self.display = display
        self._sizes: dict[int, int] = {}

    def _error(self, node: yaml.Node, message: str, tokens: list[str]) -> SpecError:
        mark = node.start_mark
        return load_error(
            self.display, message, mark.line + 1, mark.column + 1, jp.from_tokens(tokens)
        )

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
                return _SCALARS.construct_yaml_float(node)  # .nan and .inf included
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
