"""The document walk of `apiforge diff`: paths, operations, parameters, bodies and responses."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from apiforge.diff.change import Emitter
from apiforge.diff.compare import SchemaContext, SchemaDiffer
from apiforge.diff.events import CLIENT, Roles, compare_callbacks
from apiforge.diff.rules import Direction
from apiforge.diff.schema import Sub
from apiforge.diff.security import SecurityChanges
from apiforge.diff.sides import Side, Walk, absent, as_list, as_mapping
from apiforge.document import pointer as jp
from apiforge.document.event_streams import chunk_steps
from apiforge.document.media import essence, is_event_stream
from apiforge.document.walk import deref, item_operations

__all__ = ["Operations"]


class Operations(Walk):
    """Pairs the paths and operations of both documents and compares each pair found in both."""

    def __init__(
        self,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        emitter: Emitter,
        security: SecurityChanges,
    ) -> None:
        super().__init__(old, new, emitter)
        self.schemas = SchemaDiffer(old, new, emitter)
        self.security = security

    def compare_paths(self) -> None:
        """Compare every path; `/pets/{id}` and `/pets/{petId}` count as the same path."""
        index = [_path_index(doc) for doc in self.docs]
        roots = [Side(doc.get("paths"), "#/paths", "#/paths") for doc in self.docs]
        for template in sorted(set(index[0]) | set(index[1])):
            names = index[0].get(template), index[1].get(template)
            o = roots[0].at(self.docs[0], names[0]) if names[0] else absent(roots[0])
            n = roots[1].at(self.docs[1], names[1]) if names[1] else absent(roots[1])
            path = names[1] or names[0] or template
            if n.node is None:
                ops = [op for _, _, op in _operations(o)]
                deprecated = bool(ops) and all(op.get("deprecated") is True for op in ops)
                kind = f"api-path-removed-{_with(deprecated)}-deprecation"
                self.emit(kind, True, f"`{path}`", "path removed", o, n)
                continue
            self.compare_item(partial(_path_label, path), o, n, CLIENT)

    def compare_item(self, name: Callable[[str], str], o: Side, n: Side, roles: Roles) -> None:
        """Every operation of a path item on both sides; `name` labels one by its method."""
        olds = {m: tokens for m, tokens, _ in _operations(o)}
        news = {m: tokens for m, tokens, _ in _operations(n)}
        for method in [*olds, *(m for m in news if m not in olds)]:
            self._method(name(method), olds.get(method), news.get(method), (o, n), roles)

    def _method(
        self,
        label: str,
        old_tokens: tuple[str, ...] | None,
        new_tokens: tuple[str, ...] | None,
        items: tuple[Side, Side],
        roles: Roles,
    ) -> None:
        item_o, item_n = items
        o = item_o.at(self.docs[0], *old_tokens) if old_tokens else absent(item_o)
        n = item_n.at(self.docs[1], *new_tokens) if new_tokens else absent(item_n)
        if o.node is None and n.node is None:
            return
        if o.node is None:
            self.emit("endpoint-added", False, label, "operation added", absent(item_o), n)
        elif n.node is None:
            kind = f"api-removed-{_with(o.get('deprecated') is True)}-deprecation"
            self.emit(kind, True, label, "operation removed", o, absent(item_n))
        else:
            self.schemas.reset()
            self._operation(label, o, n)
            self._parameters(label, (item_o, o), (item_n, n), roles.request)
            self._request_body(
                label,
                o.at(self.docs[0], "requestBody"),
                n.at(self.docs[1], "requestBody"),
                roles.request,
            )
            self._responses(
                label, o.at(self.docs[0], "responses"), n.at(self.docs[1], "responses"), roles
            )
            if not roles.sent_by_api:  # who may call the API; a webhook's auth is the consumer's
                self.security.compare_requirements(label, o, n)
                compare_callbacks(self, label, o, n)

    def _operation(self, label: str, o: Side, n: Side) -> None:
        was, now = o.get("deprecated") is True, n.get("deprecated") is True
        if was != now:
            kind = "endpoint-deprecated" if now else "endpoint-reactivated"
            self.emit(kind, False, label, kind.replace("endpoint-", "operation "), o, n)
        old_id, new_id = o.get("operationId"), n.get("operationId")
        if old_id != new_id:
            at_o, at_n = o.at(self.docs[0], "operationId"), n.at(self.docs[1], "operationId")
            if old_id is None:
                detail = f"operationId `{new_id}` added"
                self.emit("api-operation-id-added", False, label, detail, o, at_n)
            elif new_id is None:
                detail = f"operationId `{old_id}` removed"
                self.emit("api-operation-id-removed", True, label, detail, at_o, n)
            else:
                detail = f"operationId changed from `{old_id}` to `{new_id}`"
                self.emit("api-operation-id-changed", True, label, detail, at_o, at_n)
        old_tags = {str(t) for t in as_list(o.get("tags"))}
        new_tags = {str(t) for t in as_list(n.get("tags"))}
        for tag in sorted(old_tags - new_tags):
            self.emit("api-tag-removed", False, label, f"tag `{tag}` removed", o, n)
        for tag in sorted(new_tags - old_tags):
            self.emit("api-tag-added", False, label, f"tag `{tag}` added", o, n)

    def _parameters(
        self, label: str, old: tuple[Side, Side], new: tuple[Side, Side], writer: Direction
    ) -> None:
        """`writer` is REQUEST when the consumer writes the parameters, RESPONSE when it reads."""
        olds, news = _params(self.docs[0], *old), _params(self.docs[1], *new)
        sends = writer is Direction.REQUEST
        for key in sorted(set(olds) | set(news)):
            where, name = key[0], olds[key].get("name") if key in olds else news[key].get("name")
            subject = f"{label} {where} parameter `{name}`"
            if key not in news:
                o, n = olds[key], absent(new[1])
                self.emit("request-parameter-removed", True, subject, "parameter removed", o, n)
            elif key not in olds:
                n = news[key]
                required = where == "path" or n.get("required") is True
                level = "required" if required else "optional"
                kind = (
                    "new-request-path-parameter"
                    if where == "path"
                    else f"new-{level}-request-parameter"
                )
                detail = f"{level} parameter added"
                self.emit(kind, required and sends, subject, detail, absent(old[1]), n)
            else:
                self._parameter(subject, where, olds[key], news[key], writer)

    def _parameter(self, subject: str, where: str, o: Side, n: Side, writer: Direction) -> None:
        was = where == "path" or o.get("required") is True
        now = where == "path" or n.get("required") is True
        self._requiredness("request-parameter", subject, (was, now), (o, n), writer)
        if (o.get("deprecated") is True) != (n.get("deprecated") is True):
            kind = "request-parameter-" + ("deprecated" if n.get("deprecated") else "reactivated")
            self.emit(kind, False, subject, kind.rsplit("-", 1)[1], o, n)
        old_style, new_style = _serialization(where, o), _serialization(where, n)
        if old_style != new_style:
            detail = f"serialization changed from {old_style} to {new_style}"
            self.emit("request-parameter-serialization-changed", True, subject, detail, o, n)
        self._schema(writer, "request-parameter", subject, o, n)

    def _requiredness(
        self,
        place: str,
        subject: str,
        flags: tuple[bool, bool],
        sides: tuple[Side, Side],
        writer: Direction,
    ) -> None:
        """A part the consumer writes that became required breaks it; so does one it reads that
        became optional."""
        was, now = flags
        if was != now:
            level = "required" if now else "optional"
            breaking = now if writer is Direction.REQUEST else was
            self.emit(f"{place}-became-{level}", breaking, subject, f"became {level}", *sides)

    def _schema(
        self,
        direction: Direction,
        place: str,
        subject: str,
        o: Side,
        n: Side,
        *,
        chunks: bool = False,
    ) -> None:
        """Compare the `schema` of a parameter, header or media type (or its first `content`).

        With `chunks`, o and n are event-stream media types: their chunk schemas are compared
        (3.2's `itemSchema` data, or the `schema` before 3.2), so a 3.1 -> 3.2 move is no change.
        """
        if chunks:
            (old, old_ptr), (new, new_ptr) = _chunk_of(o, self.docs[0]), _chunk_of(n, self.docs[1])
        else:
            (old, old_ptr), (new, new_ptr) = _schema_of(o), _schema_of(n)
        ctx = SchemaContext(
            direction,
            place,
            _NESTED[place],
            old_ptr,
            new_ptr,
            subject,
            old_src=o.src,
            new_src=n.src,
        )
        self.schemas.compare(ctx, old, new)

    def _request_body(self, label: str, o: Side, n: Side, writer: Direction) -> None:
        subject = f"{label} request body"
        sends = writer is Direction.REQUEST
        if o.node is None and n.node is None:
            return
        if o.node is None:
            required = n.get("required") is True
            level = "required" if required else "optional"
            detail = f"{level} request body added"
            self.emit(f"request-body-added-{level}", required and sends, subject, detail, o, n)
            return
        if n.node is None:
            self.emit("request-body-removed", True, subject, "request body removed", o, n)
            return
        flags = (o.get("required") is True, n.get("required") is True)
        self._requiredness("request-body", subject, flags, (o, n), writer)
        self._content(True, writer, subject, o, n)

    def _content(self, request: bool, reader: Direction, subject: str, o: Side, n: Side) -> None:
        """Media types of a request body or a response; `reader` is how the consumer meets it.

        A media type gone breaks whoever wrote it; a new one breaks only a consumer that must
        read whatever the API sends (a webhook's request: no content negotiation there).
        """
        olds, news = _media_types(o), _media_types(n)
        family = "request-body-media-type" if request else "response-media-type"
        pushed = request and reader is Direction.RESPONSE
        for media, at_o, at_n in self.keyed(o, n, olds, news, "content"):
            label = subject if media == "application/json" else f"{subject} (`{media}`)"
            if media not in news:
                detail = f"media type `{media}` removed"
                self.emit(f"{family}-removed", not pushed, label, detail, at_o, at_n)
            elif media not in olds:
                detail = f"media type `{media}` added"
                self.emit(f"{family}-added", pushed, label, detail, at_o, at_n)
            else:
                place = "request-body" if request else "response-body"
                chunks = is_event_stream(media)
                self._schema(reader, place, label, at_o, at_n, chunks=chunks)

    def _responses(self, label: str, o: Side, n: Side, roles: Roles) -> None:
        olds = {str(k).upper(): str(k) for k in as_mapping(o.node)}
        news = {str(k).upper(): str(k) for k in as_mapping(n.node)}
        for code, at_o, at_n in self.keyed(o, n, olds, news):
            subject = f"{label} response {code.lower() if code == 'DEFAULT' else code}"
            success = code.startswith("2")
            family = "response-success-status" if success else "response-non-success-status"
            if code not in news:
                self.emit(f"{family}-removed", success, subject, "status removed", at_o, at_n)
            elif code not in olds:
                self.emit(f"{family}-added", False, subject, "status added", at_o, at_n)
            else:
                self._content(False, roles.response, subject, at_o, at_n)
                self._headers(subject, at_o, at_n, roles.response)

    def _headers(self, subject: str, o: Side, n: Side, reader: Direction) -> None:
        """Response headers; in a webhook the consumer writes them and the API reads them."""
        writes = reader is Direction.REQUEST
        olds = {str(k).lower(): str(k) for k in as_mapping(o.get("headers"))}
        news = {str(k).lower(): str(k) for k in as_mapping(n.get("headers"))}
        for name, at_o, at_n in self.keyed(o, n, olds, news, "headers"):
            label = f"{subject} header `{news.get(name) or olds[name]}`"
            was, now = at_o.get("required") is True, at_n.get("required") is True
            if name not in news:
                kind = f"{'required' if was else 'optional'}-response-header-removed"
                self.emit(kind, was and not writes, label, "header removed", at_o, at_n)
            elif name not in olds:
                breaking = now and writes
                self.emit("response-header-added", breaking, label, "header added", at_o, at_n)
            else:
                sides = (at_o, at_n)
                self._requiredness("response-header", label, (was, now), sides, reader)
                self._schema(reader, "response-header", label, at_o, at_n)


_NESTED = {  # the kind prefix of a schema's root -> that of the properties inside it
    "request-body": "request-property",
    "request-parameter": "request-parameter-property",
    "response-body": "response-property",
    "response-header": "response-header-property",
}


def _operations(item: Side) -> list[tuple[str, tuple[str, ...], Any]]:
    """(method, tokens, operation) of a path item side; one method however it is spelled."""
    node = item.node if isinstance(item.node, dict) else {}
    return [(m.upper(), tokens, op) for m, tokens, op in item_operations(node)]


def _path_label(path: str, method: str) -> str:
    return f"`{method.upper()} {path}`"


def _with(deprecated: bool) -> str:
    return "with" if deprecated else "without"


def _path_index(doc: Mapping[str, Any]) -> dict[str, str]:
    """`/pets/{id}` and `/pets/{petId}` are one path: map the template shape to the key."""
    index: dict[str, str] = {}
    for path in sorted(map(str, as_mapping(doc.get("paths")))):
        shape = "/".join(
            "{}" if s.startswith("{") and s.endswith("}") else s for s in path.split("/")
        )
        index.setdefault(shape, path)
    return index


def _params(doc: Any, item: Side, op: Side) -> dict[tuple[str, str], Side]:
    """Path-level parameters overridden by the operation's, keyed by (in, name)."""
    found: dict[tuple[str, str], Side] = {}
    for owner in (item, op):
        for i, _ in enumerate(as_list(owner.get("parameters"))):
            param = owner.at(doc, "parameters", i)
            where, name = str(param.get("in")), str(param.get("name"))
            found[(where, name.lower() if where == "header" else name)] = param
    return found


def _serialization(where: str, param: Side) -> str:
    style = param.get("style") or ("form" if where in ("query", "cookie") else "simple")
    explode = param.get("explode")
    explode = style == "form" if explode is None else explode is True
    return f"style={style}, explode={str(explode).lower()}"


def _schema_of(side: Side) -> tuple[list[Sub], str]:
    """The schema of a parameter, header or media type, and its logical pointer."""
    if side.get("schema") is not None:
        return [(side.get("schema"), jp.join(side.src, "schema"))], jp.join(side.pointer, "schema")
    content = as_mapping(side.get("content"))
    for media in sorted(content):
        schema = as_mapping(content[media]).get("schema")
        if schema is not None:
            tokens = ("content", media, "schema")
            return [(schema, jp.join(side.src, *tokens))], jp.join(side.pointer, *tokens)
    return [], jp.join(side.pointer, "schema")


def _chunk_of(media: Side, doc: Any) -> tuple[list[Sub], str]:
    """The chunk schema of an event-stream media type side, and its logical pointer."""
    steps = chunk_steps(media.node, lambda node: deref(node, doc))
    if steps is None:
        return [], jp.join(media.pointer, "schema")
    side = media
    for hop in steps:
        side = side.at(doc, *hop)
    return ([(side.node, side.src)] if side.node is not None else []), side.pointer


def _media_types(side: Side) -> dict[str, str]:
    return {essence(k): str(k) for k in as_mapping(side.get("content"))}
