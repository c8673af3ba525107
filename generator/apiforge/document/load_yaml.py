"""YAML text -> plain data, built from PyYAML's events in one pass, and the marks that locate it.

Building from the event stream (libyaml's when available) rather than a composed node tree refuses
what makes YAML dangerous or ambiguous (custom tags, merge keys, duplicate keys, alias bombs, deep
nesting) before anything is expanded, and costs a quarter of composing a node tree and walking it
(OpenAI's 2.9 MB document: 0.26 s against 1.05 s). Each container keeps the line and column of its
entries, so a pointer can be located later without keeping the text's nodes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple, cast

import yaml

from apiforge.document import pointer as jp
from apiforge.document.load_json import line_col, load_error
from apiforge.findings.diagnostic import SpecError

__all__ = [
    "Marks",
    "ParsedYaml",
    "core_scalar",
    "core_schema_loader",
    "locate_marks",
    "parse_yaml",
    "plain_copy",
]

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}

# YAML 1.2's core schema (which OpenAPI 3.1 recommends), not PyYAML's YAML 1.1 one: `1e-08` and
# `.5` are numbers; `yes`, `no`, `on`, `off`, `0b1010`, `1_000`, `1:20` stay strings (an enum of
# country codes keeps `NO`); `012` is twelve. `<<` still resolves as a merge key, to be refused.
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_CORE_SCHEMA = (
    ("bool", re.compile(r"true|True|TRUE|false|False|FALSE"), "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+.0123456789"),
    ("null", re.compile(r"~|null|Null|NULL|"), ["~", "n", "N", ""]),
    ("merge", re.compile(r"<<"), "<"),
)


def core_schema_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """`base` (PyYAML's safe loader, in C or Python) resolving plain scalars as YAML 1.2 does."""
    loader = cast(type[yaml.SafeLoader], type(f"Core{base.__name__}", (base,), {}))
    loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in _CORE_SCHEMA:
        full = re.compile(rf"^(?:{pattern.pattern})$")
        loader.add_implicit_resolver(_YAML + tag, full, list(first))
    return loader


_Loader = core_schema_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_PyLoader = core_schema_loader(yaml.SafeLoader)

Marks = dict[int, tuple[Any, list[tuple[int, int]]]]  # id(container) -> (it, its entries' marks)


class ParsedYaml(NamedTuple):
    """A YAML document's data, and the marks `locate_marks` finds its nodes' lines by."""

    data: Any
    marks: Marks
    root_mark: tuple[int, int]


def parse_yaml(text: str, display: str, max_depth: int, max_nodes: int) -> ParsedYaml:
    """YAML text -> data and marks; every refusal is a SpecError naming the file, line and pointer.

    `max_depth` bounds the levels below the root, `max_nodes` what aliases may expand to.
    """
    try:
        try:
            builder = _YamlBuilder(display, text, _Loader, max_depth, max_nodes)
            data = builder.run()
        except _LibyamlTooDeep as deep:
            _refuse_from_prefix(text, deep.index, display, max_depth, max_nodes)
            builder = _YamlBuilder(display, text, _PyLoader, max_depth, max_nodes)
            data = builder.run()
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
    return ParsedYaml(data, builder.marks, builder.root_mark)


def _too_deep(max_depth: int) -> str:
    return f"document is nested deeper than {max_depth} levels"


class _LibyamlTooDeep(Exception):
    """libyaml's own nesting limit stopped the parse before ours did, at `index` of the text."""

    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


# How far past libyaml's refusal the prefix reaches: our limit is a level or two deeper than
# libyaml's, a character each in a flow collection. Kept short: the pure-Python scanner looks ahead
# as far as the text lets it, and each character it reads ahead costs it every open level.
_PREFIX_MARGIN = 256


def _refuse_from_prefix(
    text: str, index: int, display: str, max_depth: int, max_nodes: int
) -> None:
    """Our depth refusal, read from the text up to a little past where libyaml gave up.

    The pure-Python scanner slows with every open flow level it carries, so a hostile document of
    100,000 brackets took seconds to read whole. A prefix's events are the whole text's up to where
    it ends, so a refusal there is the document's. Anything else (block style, whose levels are lines
    apart, or a prefix that ends mid-token) says nothing, and the whole text is read as before.
    """
    if index + _PREFIX_MARGIN >= len(text):
        return
    prefix = _YamlBuilder(display, text[: index + _PREFIX_MARGIN], _PyLoader, max_depth, max_nodes)
    try:
        prefix.run()
    except SpecError as error:
        if [d.message for d in error.diagnostics] == [_too_deep(max_depth)]:
            raise
    except yaml.YAMLError:
        pass


def _position(mark: Any) -> tuple[int, int]:
    """1-based line and column of a PyYAML or libyaml mark (both count from 0), or None."""
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


_MISSING: Any = object()
_MAP_TAG = _YAML + "map"
_SEQ_TAG = _YAML + "seq"
_STR_TAG = _YAML + "str"
_MERGE_TAG = _YAML + "merge"


class _Frame:
    """An open mapping or sequence, with the marks of its entries' values, in order."""

    __slots__ = ("anchor", "container", "height", "key", "marks", "nodes_before")

    def __init__(self, container: Any, anchor: str | None, nodes_before: int) -> None:
        self.container = container
        self.marks: list[tuple[int, int]] = []
        self.key: Any = _MISSING  # a mapping's key waiting for its value
        self.anchor = anchor
        self.nodes_before = nodes_before
        self.height = 0  # levels of nodes below it so far (an alias may bring a deep value in)


class _YamlBuilder:
    """YAML events -> plain data, in one pass, refusing what OpenAPI documents never need.

    Built from the event stream rather than a composed node tree: nothing recursive ever sees the
    document (a composer in C would crash on deep nesting), aliases are counted as they would
    expand before anything is copied (alias bombs), and custom tags, merge keys, duplicate and
    non-scalar keys are refused where they are written. Each container's entries keep the line and
    column of their values, so a pointer can be located later without keeping the text's nodes.
    """

    def __init__(
        self,
        display: str,
        text: str,
        loader: type[yaml.SafeLoader],
        max_depth: int,
        max_nodes: int,
    ) -> None:
        self.display = display
        self.text = text
        self.loader_class = loader
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.stack: list[_Frame] = []
        # name -> (value, nodes it expands to, levels below it, (tag, text) of a scalar or None)
        self.anchors: dict[str, tuple[Any, int, int, Any]] = {}
        self.open_anchors: set[str] = set()
        self.marks: Marks = {}
        self.nodes = 0
        self.root_mark = (1, 1)

    def run(self) -> Any:
        loader = self.loader_class(self.text)
        try:
            return self._events(loader)
        except yaml.MarkedYAMLError as exc:
            if "nesting" in str(exc.problem) and self.loader_class is not _PyLoader:
                mark = exc.problem_mark or exc.context_mark
                index = mark.index if mark is not None else len(self.text)
                raise _LibyamlTooDeep(index) from None  # libyaml's own limit (PyYAML >= 6.0.4)
            raise
        finally:
            loader.dispose()

    def _events(self, loader: yaml.SafeLoader) -> Any:
        get_event: Callable[[], Any] = loader.get_event
        resolve: Callable[..., str] = loader.resolve
        stack = self.stack
        root: Any = _MISSING
        seen_document = False
        # a plain scalar's tag depends on its text alone, and documents repeat theirs (`type`,
        # `string`, `description`): each is resolved (by the resolver's regexes) once
        resolved: dict[tuple[str, Any], str] = {}
        while True:
            event = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    seen = (event.value, event.implicit)
                    tag = resolved.get(seen)
                    if tag is None:
                        tag = resolved[seen] = resolve(yaml.ScalarNode, *seen)
                if stack and stack[-1].key is _MISSING and type(stack[-1].container) is dict:
                    self._key(stack[-1], tag, event.value, event)
                    continue
                value = self._scalar(tag, event.value, event)
                self.nodes += 1
                if event.anchor is not None:
                    self._new_anchor(event)
                    self.anchors[event.anchor] = (value, 1, 0, (tag, event.value))
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                is_map = kind is yaml.MappingStartEvent
                if stack and stack[-1].key is _MISSING and type(stack[-1].container) is dict:
                    raise self._error(event, "mapping keys must be plain scalars")
                self._check_depth(event)
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
                    raise self._error(event, f"unsupported YAML tag {tag!r}", child=True)
                frame = _Frame({} if is_map else [], event.anchor, self.nodes)
                self.nodes += 1
                if event.anchor is not None:
                    self._new_anchor(event)
                    self.open_anchors.add(event.anchor)
                mark = event.start_mark
                if stack:
                    stack[-1].marks.append((mark.line + 1, mark.column + 1))
                else:
                    self.root_mark = (mark.line + 1, mark.column + 1)
                stack.append(frame)
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                value = frame.container
                self.marks[id(value)] = (value, frame.marks)
                if stack and frame.height + 1 > stack[-1].height:
                    stack[-1].height = frame.height + 1
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    size = self.nodes - frame.nodes_before
                    self.anchors[frame.anchor] = (value, size, frame.height, None)
                if stack:
                    self._attach_value(stack[-1], value)
                else:
                    root = value
                continue
            elif kind is yaml.AliasEvent:
                value = self._alias(event)
                if value is _MISSING:
                    continue  # an aliased key, taken by `_alias`
            elif kind is yaml.DocumentStartEvent:
                if seen_document:
                    mark = event.start_mark
                    message = "invalid YAML: but found another document"
                    raise load_error(self.display, message, mark.line + 1, mark.column + 1)
                seen_document = True
                continue
            elif kind is yaml.StreamEndEvent:
                if root is _MISSING:
                    raise load_error(self.display, "document is empty")
                return root
            else:  # stream start, document end
                continue
            # a scalar or an alias's value, in its place
            if stack:
                self._check_depth(event)
                if not stack[-1].height:
                    stack[-1].height = 1
                mark = event.start_mark
                stack[-1].marks.append((mark.line + 1, mark.column + 1))
                self._attach_value(stack[-1], value)
            else:
                root = value

    def _attach_value(self, frame: _Frame, value: Any) -> None:
        container = frame.container
        if type(container) is dict:
            container[frame.key] = value
            frame.key = _MISSING
        else:
            container.append(value)

    def _key(self, frame: _Frame, tag: str, raw: Any, event: Any) -> None:
        if tag not in _SCALAR_TAGS:
            if tag == _MERGE_TAG:
                raise self._error(event, "YAML merge keys (<<) are not supported")
            raise self._error(event, "mapping keys must be plain scalars")
        key = str(raw)
        if key in frame.container:
            raise self._error(event, f"duplicate key {key!r}", key=key)
        frame.key = key
        if event.anchor is not None and type(event) is not yaml.AliasEvent:
            self._new_anchor(event)
            self.anchors[event.anchor] = (self._scalar(tag, raw, event), 1, 0, (tag, raw))

    def _new_anchor(self, event: Any) -> None:
        """Refuse a second anchor of one name, as PyYAML's composer does (which of the two an
        alias means would depend on where it stands)."""
        if event.anchor in self.anchors or event.anchor in self.open_anchors:
            raise self._error(event, f"invalid YAML: found duplicate anchor {event.anchor!r}")

    def _alias(self, event: Any) -> Any:
        name = event.anchor
        if name in self.open_anchors:
            raise self._error(event, "YAML alias refers to a node that contains it")
        if name not in self.anchors:
            raise self._error(event, f"invalid YAML: found undefined alias {name!r}")
        value, size, height, raw_key = self.anchors[name]
        stack = self.stack
        if stack and stack[-1].key is _MISSING and type(stack[-1].container) is dict:
            if raw_key is None:
                raise self._error(event, "mapping keys must be plain scalars")
            self._key(stack[-1], raw_key[0], raw_key[1], event)
            return _MISSING
        self._check_depth(event, below=height)  # the copy nests no deeper than text may
        if stack and height:
            stack[-1].height = max(stack[-1].height, height + 1)
        self.nodes += size
        if self.nodes > self.max_nodes:
            message = f"document expands to over {self.max_nodes} nodes (YAML alias bomb?)"
            raise self._error(event, message)
        return plain_copy(value)

    def _check_depth(self, event: Any, below: int = 0) -> None:
        """Refuse a node (with `below` levels of nodes under it) deeper than `max_depth`."""
        if len(self.stack) + below > self.max_depth:
            raise self._error(event, _too_deep(self.max_depth), child=True)

    def _tokens(self, child: bool, key: str | None = None) -> list[str]:
        """The pointer's tokens to where the event is, for the error."""
        tokens: list[str] = []
        for frame in self.stack:
            container = frame.container
            if type(container) is dict:
                if frame.key is not _MISSING:
                    tokens.append(frame.key)
            else:
                tokens.append(str(len(container)))
        if not child and tokens and self.stack and type(self.stack[-1].container) is list:
            tokens.pop()
        if key is not None:
            tokens.append(key)
        return tokens

    def _error(
        self, event: Any, message: str, *, child: bool = False, key: str | None = None
    ) -> SpecError:
        mark = event.start_mark
        pointer = jp.from_tokens(self._tokens(child, key))
        return load_error(self.display, message, mark.line + 1, mark.column + 1, pointer)

    def _scalar(self, tag: str, raw: str, event: Any) -> Any:
        if tag == _STR_TAG or tag.endswith(":timestamp"):
            return str(raw)  # OpenAPI is JSON: dates stay the text that was written
        if tag not in _SCALAR_TAGS:
            raise self._error(event, f"unsupported YAML tag {tag!r}", child=True)
        kind = tag[len(_YAML) :]
        value = core_scalar(kind, raw)
        if value is _MISSING:  # `!!int ""`, `!!bool maybe`: an explicit tag the text does not fit
            raise self._error(event, f"invalid scalar {raw!r}", child=True)
        return value


def core_scalar(kind: str, raw: str) -> Any:
    """A scalar's value by YAML 1.2's core schema (`int`, `float`, `bool`, `null`), or _MISSING."""
    if kind == "null":
        return None
    if kind == "bool" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if kind == "int" and _INT.fullmatch(raw):
        base = {"0o": 8, "0x": 16}.get(raw[:2], 10)
        return int(raw[2:] if base != 10 else raw, base)
    if kind == "float" and _FLOAT.fullmatch(raw):
        return float(raw.lower().replace(".", "") if "n" in raw.lower() else raw)  # .inf, .nan
    if kind == "float" and _INT.fullmatch(raw):  # `!!float 0x10`
        return float(core_scalar("int", raw))
    return _MISSING


def plain_copy(value: Any) -> Any:
    """An alias's own copy of the anchored value, so that no two places share one object."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    return value


def locate_marks(
    data: Any, marks: Marks, root_mark: tuple[int, int], tokens: list[str]
) -> tuple[int, int]:
    """The line and column of the deepest node on the tokens' path that the marks know."""
    node, at = data, root_mark
    for token in tokens:
        entry = marks.get(id(node))
        if entry is None or entry[0] is not node:
            break
        if isinstance(node, dict):
            if token not in node:
                break
            index = list(node).index(token)
            nxt = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            index = int(token)
            nxt = node[index]
        else:
            break
        if index >= len(entry[1]):
            break
        node, at = nxt, entry[1][index]
    return at
