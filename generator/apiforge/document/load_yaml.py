"""YAML text -> plain data, built from PyYAML's events in one pass, and the marks that locate it.

Building from the event stream (libyaml's when available) rather than a composed node tree refuses
what makes YAML dangerous or ambiguous (custom tags, merge keys, duplicate keys, alias bombs, deep
nesting) before anything is expanded, and costs a quarter of composing a node tree and walking it
(OpenAI's 2.9 MB document: 0.26 s against 1.05 s). Each container keeps the line and column of its
entries, so a pointer can be located later without keeping the text's nodes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import yaml

from apiforge.document import pointer as jp
from apiforge.document.load_json import line_col, load_error
from apiforge.document.yaml_core import NOT_CORE, YAML_TAG, core_scalar, core_schema_loader
from apiforge.findings.diagnostic import SpecError

__all__ = [
    "Marks",
    "ParsedYaml",
    "locate_marks",
    "parse_yaml",
    "plain_copy",
]

_YAML = YAML_TAG
_SCALAR_TAGS = {_YAML + t for t in ("str", "int", "float", "bool", "null", "timestamp")}

_Loader = core_schema_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_PyLoader = core_schema_loader(yaml.SafeLoader)

# id(container) -> (it, the start marks of its entries' values: PyYAML's or libyaml's, from 0)
Marks = dict[int, tuple[Any, list[Any]]]


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
_IN_LIST: Any = object()
_MAP_TAG = _YAML + "map"
_SEQ_TAG = _YAML + "seq"
_STR_TAG = _YAML + "str"
_MERGE_TAG = _YAML + "merge"


class _Frame:
    """An open mapping or sequence, with the marks of its entries' values, in order."""

    __slots__ = ("anchor", "container", "height", "key", "marks", "nodes_before")

    def __init__(self, container: Any, anchor: str | None, nodes_before: int) -> None:
        self.container = container
        self.marks: list[Any] = []  # the start marks of its entries' values, in order
        # a mapping's key waiting for its value (_MISSING: none yet); a sequence's is _IN_LIST
        self.key: Any = _MISSING if type(container) is dict else _IN_LIST
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
        """The loop every event of the document passes through: the common cases (a plain string
        key, a string value, a mapping or sequence opening and closing) are written out inline,
        the rest (tags, anchors, aliases, refusals) go through the methods below."""
        get_event: Callable[[], Any] = loader.get_event
        resolve: Callable[..., str] = loader.resolve
        stack = self.stack
        max_depth = self.max_depth
        marks = self.marks
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        opening = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
        closing = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        scalar_node, missing, str_tag = yaml.ScalarNode, _MISSING, _STR_TAG
        top: _Frame | None = None  # stack[-1]
        root: Any = _MISSING
        seen_document = False
        # a plain scalar's tag depends on its text alone, and documents repeat theirs (`type`,
        # `string`, `description`): each is resolved (by the resolver's regexes) once
        resolved: dict[tuple[str, Any], str] = {}
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:
                tag = event.tag
                raw = event.value
                if tag is None or tag == "!":
                    seen = (raw, event.implicit)
                    tag = resolved.get(seen)
                    if tag is None:
                        tag = resolved[seen] = resolve(scalar_node, *seen)
                if top is not None and top.key is missing:  # a mapping's key
                    if tag == str_tag and event.anchor is None:
                        if raw in top.container:
                            raise self._error(event, f"duplicate key {raw!r}", key=raw)
                        top.key = raw
                    else:
                        self._key(top, tag, raw, event)
                    continue
                value = raw if tag == str_tag else self._scalar(tag, raw, event)
                self.nodes += 1
                if event.anchor is not None:
                    self._new_anchor(event)
                    self.anchors[event.anchor] = (value, 1, 0, (tag, raw))
            elif kind in opening:
                is_map = kind is yaml.MappingStartEvent
                if top is not None and top.key is missing:
                    raise self._error(event, "mapping keys must be plain scalars")
                if len(stack) > max_depth:
                    raise self._error(event, _too_deep(max_depth), child=True)
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
                    raise self._error(event, f"unsupported YAML tag {tag!r}", child=True)
                if event.anchor is not None:
                    self._new_anchor(event)
                    self.open_anchors.add(event.anchor)
                mark = event.start_mark
                if top is not None:
                    top.marks.append(mark)
                else:
                    self.root_mark = (mark.line + 1, mark.column + 1)
                top = _Frame({} if is_map else [], event.anchor, self.nodes)
                self.nodes += 1
                stack.append(top)
                continue
            elif kind in closing:
                frame = stack.pop()
                value = frame.container
                marks[id(value)] = (value, frame.marks)
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    size = self.nodes - frame.nodes_before
                    self.anchors[frame.anchor] = (value, size, frame.height, None)
                top = stack[-1] if stack else None
                if top is None:
                    root = value
                    continue
                if frame.height >= top.height:
                    top.height = frame.height + 1
                if top.key is _IN_LIST:
                    top.container.append(value)
                else:
                    top.container[top.key] = value
                    top.key = missing
                continue
            elif kind is alias_event:
                value = self._alias(event)
                if value is missing:
                    continue  # an aliased key, taken by `_alias`
            elif kind is yaml.DocumentStartEvent:
                if seen_document:
                    mark = event.start_mark
                    message = "invalid YAML: but found another document"
                    raise load_error(self.display, message, mark.line + 1, mark.column + 1)
                seen_document = True
                continue
            elif kind is yaml.StreamEndEvent:
                if root is missing:
                    raise load_error(self.display, "document is empty")
                return root
            else:  # stream start, document end
                continue
            # a scalar or an alias's value, in its place
            if top is None:
                root = value
                continue
            if len(stack) > max_depth:
                raise self._error(event, _too_deep(max_depth), child=True)
            if not top.height:
                top.height = 1
            top.marks.append(event.start_mark)
            if top.key is _IN_LIST:
                top.container.append(value)
            else:
                top.container[top.key] = value
                top.key = missing

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
        if value is NOT_CORE:  # `!!int ""`, `!!bool maybe`: an explicit tag the text does not fit
            raise self._error(event, f"invalid scalar {raw!r}", child=True)
        return value


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
        mark = entry[1][index]
        node, at = nxt, (mark.line + 1, mark.column + 1)
    return at
