"""Bundle -> ModelPlan: the document datamodel-code-generator sees, with every name decided, and one
typed OperationPlan per operation.

Component schemas are renamed to clean, unique class names (refs rewritten), and every schema an
operation sends or receives becomes a named component, so each body, response and stream chunk
has exactly one class whose name we chose. The same walk records what each operation sends and
receives, under those names: later stages read the OperationPlan, not the content maps again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle
from apiforge.document.event_streams import follow_steps, read_chunk, sentinel
from apiforge.document.load import plain_copy
from apiforge.document.media import is_event_stream, is_json
from apiforge.document.walk import deref, iter_operations
from apiforge.plan.components import (
    SCHEMAS,
    class_of,
    component_schemas,
    hoist_inner_targets,
    rename_components,
)
from apiforge.plan.names import ClassName, unique

__all__ = [
    "DEFAULT_DONE",
    "Content",
    "EventStream",
    "ModelPlan",
    "OperationPlan",
    "RequestPlan",
    "ResponsePlan",
    "StreamPlan",
    "plan_data",
    "plan_models",
]

DEFAULT_DONE = "[DONE]"  # the `data` that ends a stream when nothing names another (OpenAI's)


@dataclass(frozen=True)
class Content:
    """One JSON body of a request or response: its media type as written, the class filed for it."""

    pointer: str  # of the media type object
    media_type: str
    model: str | None  # None: it has no schema to make a class of
    schema: Any  # the media type's schema as the models see it (a `$ref` to `model`, once named)


@dataclass(frozen=True)
class RequestPlan:
    required: bool
    contents: tuple[Content, ...]  # in the document's order


@dataclass(frozen=True)
class ResponsePlan:
    status: str  # "200", "4XX", "default"
    description: str
    contents: tuple[Content, ...]  # its JSON bodies; its event streams are the operation's

    @property
    def model(self) -> str | None:
        """The class a client parses the response with: its first body that has one."""
        return next((c.model for c in self.contents if c.model), None)


@dataclass(frozen=True)
class EventStream:
    """One `text/event-stream` response of an operation, read once here for every later stage."""

    pointer: str  # of the media type object
    status: str
    chunk: str | None  # class of each event's data; None: the events are untyped
    sentinel: str | None  # the `data` that ends the stream, where the document names it
    doubt: str | None = None  # why the chunk's place is a guess: a warning at `pointer`/schema


@dataclass(frozen=True)
class StreamPlan:
    """The operation's streamed variant: its first 2xx event stream, and how a request asks for it."""

    response: EventStream | None  # None: no 2xx response is an event stream
    flag: str  # the request property that turns streaming on
    declared: bool  # x-apiforge-stream asks for it, so a stream the client cannot have is said
    done: str  # x-apiforge-stream's `done`, else the document's sentinel, else DEFAULT_DONE
    include_usage: str | None  # JSON pointer into the request that asks for a final usage chunk


@dataclass(frozen=True)
class OperationPlan:
    """What one operation sends and receives, each body under the class it was filed as."""

    path: str
    method: str  # lower case, as the path item writes it
    pointer: str
    operation: dict[str, Any]  # the operation object, for what later stages read of it alone
    request: RequestPlan | None
    successes: tuple[ResponsePlan, ...]  # 2xx, in the document's order
    errors: tuple[ResponsePlan, ...]  # 4xx, 5xx, their ranges and `default`
    event_streams: tuple[EventStream, ...]  # every event-stream response, in the document's order
    stream: StreamPlan


@dataclass
class ModelPlan:
    """The document for the model generator, the names chosen for it, and each operation's plan."""

    document: dict[str, Any]
    schema_classes: dict[str, str]  # bundled pointer "#/components/schemas/X" -> class name
    entry_classes: dict[str, str]  # pointer of an operation-level schema -> class name
    operations: tuple[OperationPlan, ...]  # in the document's order


def _is_success(status: str) -> bool:
    """A 2xx status or range: the answer a client parses; any other gets an error's class."""
    return status.startswith("2")


def plan_models(bundle: Bundle) -> ModelPlan:
    return plan_data(bundle.data)


def plan_data(data: dict[str, Any]) -> ModelPlan:
    """`plan_models` of a bundle's data alone (what the model worker receives)."""
    doc = plain_copy(data)
    schemas = component_schemas(doc)
    taken: set[str] = set()
    renames: dict[str, str] = {}
    for name in list(schemas):
        renames[name] = unique(ClassName(name), taken)
    rename_components(doc, renames)
    schemas = component_schemas(doc)
    classes = {jp.join(SCHEMAS, old): new for old, new in renames.items()}
    hoist_inner_targets(doc, schemas, taken)
    filer = _Filer(doc, schemas, taken)
    operations = tuple(
        _plan_operation(path, method, op, at, doc, filer)
        for path, method, op, at in iter_operations(doc)
    )
    return ModelPlan(doc, classes, filer.entries, operations)


class _Filer:
    """Files each operation-level schema under a class, once per media type object (one shared
    through a `$ref` is one class), in the order the operations are walked."""

    def __init__(self, doc: dict[str, Any], schemas: dict[str, Any], taken: set[str]) -> None:
        self.doc, self.schemas, self.taken = doc, schemas, taken
        self.entries: dict[str, str] = {}
        self._filed: dict[int, tuple[str | None, str | None]] = {}  # media -> (class, doubt)

    def file(
        self, where: str, name: str, media: dict[str, Any], schema: Any, doubt: str | None = None
    ) -> tuple[str | None, str | None]:
        """The class of the media type's schema (None if it has none), and the doubt first read."""
        if id(media) not in self._filed:
            self._filed[id(media)] = (self._name(name, media, schema), doubt)
        target, first_doubt = self._filed[id(media)]
        if target is not None:
            self.entries[where] = target
        return target, first_doubt

    def _name(self, name: str, media: dict[str, Any], schema: Any) -> str | None:
        """A component's own class, else a new component named for the operation's role."""
        if not isinstance(schema, dict | bool):
            return None
        media.pop("itemSchema", None)  # 3.2: the chunk is the schema the models see
        target = class_of(schema, self.doc)
        if target is None:
            target = unique(ClassName(name), self.taken)
            self.schemas[target] = plain_copy(schema)  # a lone $ref becomes a RootModel alias
            media["schema"] = {"$ref": jp.join(SCHEMAS, target)}
        return target


def _plan_operation(
    path: str, method: str, op: dict[str, Any], at: str, doc: dict[str, Any], filer: _Filer
) -> OperationPlan:
    """Each JSON or event-stream body of an operation filed under a class, in the document's order.
    An event stream's schema is its chunk's (3.2: inside `itemSchema`; before, inside a schema
    written as the event)."""
    op_name = ClassName(str(op.get("operationId") or ""))
    request = None
    body = deref(op.get("requestBody"), doc)
    if isinstance(body, dict):
        contents = []
        for mime, media in _body_media(body, doc):
            where = jp.join(at, "requestBody", "content", mime)
            model, _ = filer.file(where, f"{op_name}Request", media, media.get("schema"))
            contents.append(Content(where, mime, model, media.get("schema")))
        request = RequestPlan(bool(body.get("required")), tuple(contents))
    successes: list[ResponsePlan] = []
    errors: list[ResponsePlan] = []
    streams: list[EventStream] = []
    responses = op.get("responses")
    for key, response in (responses if isinstance(responses, dict) else {}).items():
        status, response = str(key), deref(response, doc)
        if not isinstance(response, dict):
            continue
        role = "Response" if _is_success(status) else f"Error{ClassName(status)}"
        contents = []
        for mime, media in _body_media(response, doc):
            where = jp.join(at, "responses", status, "content", mime)
            if is_event_stream(mime):
                streams.append(_event_stream(where, status, f"{op_name}Chunk", media, op, filer))
                continue
            model, _ = filer.file(where, f"{op_name}{role}", media, media.get("schema"))
            contents.append(Content(where, mime, model, media.get("schema")))
        described = response.get("description")
        planned = ResponsePlan(status, str(described) if described else "", tuple(contents))
        if _is_success(status):
            successes.append(planned)
        elif status[:1] in "45" or status == "default":
            errors.append(planned)
    stream = _stream_plan(op, streams)
    return OperationPlan(
        path, method, at, op, request, tuple(successes), tuple(errors), tuple(streams), stream
    )


def _event_stream(
    where: str, status: str, name: str, media: dict[str, Any], op: dict[str, Any], filer: _Filer
) -> EventStream:
    def follow(node: Any) -> Any:
        return deref(node, filer.doc)

    reading = read_chunk(media, follow)
    chunk = follow_steps(media, reading.steps, follow) if reading.steps else None
    target, doubt = filer.file(where, name, media, chunk, reading.doubt)
    return EventStream(where, status, target, sentinel(media, op), doubt)


def _stream_plan(op: Mapping[str, Any], streams: list[EventStream]) -> StreamPlan:
    """x-apiforge-stream where the operation has one (its flag, sentinel and usage pointer), else
    the OpenAI way: a boolean `stream` property asks for the first 2xx event stream."""
    ext = op.get("x-apiforge-stream")
    said: Mapping[str, Any] = ext if isinstance(ext, dict) else {}
    response = next((s for s in streams if _is_success(s.status)), None)
    sentinel_ = response.sentinel if response is not None else None
    include = said.get("include-usage")
    return StreamPlan(
        response=response,
        flag=str(said.get("flag") or "stream"),
        declared=ext is not None,
        done=str(said.get("done") or sentinel_ or DEFAULT_DONE),
        include_usage=str(include) if isinstance(include, str) else None,
    )


def _body_media(owner: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(media type as written, media type object) of each JSON or event-stream body."""
    content = owner.get("content")
    out = []
    for mime, media in (content if isinstance(content, dict) else {}).items():
        media = deref(media, doc)  # 3.2: a media type may be a ref to components/mediaTypes
        if isinstance(media, dict) and (is_json(mime) or is_event_stream(mime)):
            out.append((str(mime), media))
    return out
