"""Bundle -> ModelPlan: the document datamodel-code-generator sees, with every name decided.

Component schemas are renamed to clean, unique class names (refs rewritten), and every schema an
operation sends or receives becomes a named component, so each body, response and stream chunk
has exactly one class whose name we chose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle
from apiforge.document.event_streams import follow_steps, read_chunk, sentinel
from apiforge.document.load import plain_copy
from apiforge.document.media import is_event_stream, is_json
from apiforge.document.walk import deref, get_ref, is_ref, iter_objects, iter_operations
from apiforge.plan.names import ClassName, unique


@dataclass(frozen=True)
class EventStream:
    """One `text/event-stream` response of an operation, read once here for every later stage."""

    pointer: str  # of the media type object
    status: str
    chunk: str | None  # class of each event's data; None: the events are untyped
    sentinel: str | None  # the `data` that ends the stream, where the document names it
    doubt: str | None = None  # why the chunk's place is a guess: a warning at `pointer`/schema


@dataclass
class ModelPlan:
    """The document for the model generator and the names chosen for it."""

    document: dict[str, Any]
    schema_classes: dict[str, str]  # bundled pointer "#/components/schemas/X" -> class name
    entry_classes: dict[str, str]  # pointer of an operation-level schema -> class name
    # operation pointer -> its event-stream responses, in the document's order
    event_streams: dict[str, tuple[EventStream, ...]] = field(default_factory=dict)


def plan_models(bundle: Bundle) -> ModelPlan:
    return plan_data(bundle.data)


def plan_data(data: dict[str, Any]) -> ModelPlan:
    """`plan_models` of a bundle's data alone (what the model worker receives)."""
    doc = plain_copy(data)
    schemas = _schemas(doc)
    taken: set[str] = set()
    renames: dict[str, str] = {}
    for name in list(schemas):
        renames[name] = unique(ClassName(name), taken)
    _rename_components(doc, renames)
    schemas = _schemas(doc)
    classes = {jp.join("#/components/schemas", old): new for old, new in renames.items()}
    _hoist_inner_targets(doc, schemas, taken)
    entries: dict[str, str] = {}
    named: dict[int, str | None] = {}  # a media type object shared through a ref is named once
    doubts: dict[int, str | None] = {}
    streams: dict[str, tuple[EventStream, ...]] = {}
    for operation_at in iter_operations(doc):
        op, at = operation_at.operation, operation_at.pointer
        op_name = ClassName(str(op.get("operationId") or ""))
        found: list[EventStream] = []
        for entry in _entry_points(op, at, doc):
            if id(entry.media) not in named:
                named[id(entry.media)] = _name_entry(entry, op_name, doc, schemas, taken)
                doubts[id(entry.media)] = entry.doubt
            target = named[id(entry.media)]
            if target is not None:
                entries[entry.where] = target
            if entry.role == "Chunk":
                end = sentinel(entry.media, op)
                doubt = doubts[id(entry.media)]
                found.append(EventStream(entry.where, entry.status, target, end, doubt))
        if found:
            streams[at] = tuple(found)
    return ModelPlan(doc, classes, entries, streams)


def _name_entry(
    entry: _Entry, op_name: str, doc: dict[str, Any], schemas: dict[str, Any], taken: set[str]
) -> str | None:
    """The class of an entry's schema: a component's own, else a new component named for it."""
    media, schema = entry.media, entry.schema
    if not isinstance(schema, dict | bool):
        return None
    media.pop("itemSchema", None)  # 3.2: the chunk is the schema the models see
    target = _class_of(schema, doc)
    if target is None:
        target = unique(ClassName(f"{op_name}{entry.role}"), taken)
        schemas[target] = plain_copy(schema)  # a lone $ref becomes a RootModel alias
        media["schema"] = {"$ref": jp.join("#/components/schemas", target)}
    return target


def _schemas(doc: dict[str, Any]) -> dict[str, Any]:
    comps = doc.setdefault("components", {})
    if not isinstance(comps, dict):
        comps = doc["components"] = {}
    schemas = comps.setdefault("schemas", {})
    if not isinstance(schemas, dict):
        schemas = comps["schemas"] = {}
    return schemas


def is_object_schema(schema: Any, doc: dict[str, Any], depth: int = 0) -> bool:
    """Whether the model generator turns this schema into a BaseModel class of its own."""
    if not isinstance(schema, dict) or depth > 32:
        return False
    if is_ref(schema) and len(schema) == 1:
        target = get_ref(doc, schema["$ref"])
        return is_object_schema(target, doc, depth + 1)
    if any(k in schema for k in ("oneOf", "anyOf", "enum", "const")):
        return False
    members = schema.get("allOf")
    if isinstance(members, list) and len(members) == 1 and "properties" not in schema:
        # `allOf: [X]` alone is X: over a union the generator writes no class of that name at
        # all once a model refers to it (seen in InfluxData's `Check`)
        return is_object_schema(members[0], doc, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        return False
    if "properties" in schema or "allOf" in schema:
        return True
    # a map (`additionalProperties: {schema}` and no properties) is a dict, which collapse_root_models
    # folds into whoever refers to it: an operation needs an alias class of its own
    return kind == "object" and not isinstance(schema.get("additionalProperties"), dict)


# Siblings of a `$ref` that only describe it: the schema is still the ref's target.
_REF_NOTES = frozenset(
    {"description", "title", "example", "examples", "deprecated", "$comment", "externalDocs"}
)


def _bare_ref(schema: Any, doc: dict[str, Any]) -> dict[str, Any] | None:
    """`{$ref: X}` for a ref whose siblings only describe it or restate that X is an object
    (`{$ref: X, type: object}`, seen in corrently.io's document), else None."""
    if not is_ref(schema):
        return None
    bare = {"$ref": schema["$ref"]}
    rest = {k: v for k, v in schema.items() if k != "$ref" and k not in _REF_NOTES}
    if not rest or (rest == {"type": "object"} and is_object_schema(bare, doc)):
        return bare
    return None


def _class_of(schema: Any, doc: dict[str, Any]) -> str | None:
    """The class a `$ref` to an object component already has, else None (we add an alias)."""
    schema = _bare_ref(schema, doc)
    if schema is not None:
        ref = schema["$ref"]
        tokens = jp.split(ref)
        if tokens[:2] == ["components", "schemas"] and len(tokens) == 3:
            return tokens[2] if is_object_schema(schema, doc) else None
    return None


@dataclass(frozen=True)
class _Entry:
    """A JSON or event-stream body of an operation: where, its class's role, and its schema."""

    where: str  # pointer of the media type object
    role: str  # Request, Response, Error<status> or Chunk: the suffix of a class made for it
    media: dict[str, Any]
    schema: Any
    status: str = ""
    doubt: str | None = None  # an event stream whose chunk's place is a guess


def _entry_points(op: dict[str, Any], at: str, doc: dict[str, Any]) -> list[_Entry]:
    """Each JSON or event-stream body of an operation. An event stream's schema is its chunk's
    (3.2: inside `itemSchema`; before, inside a schema written as the event)."""
    found: list[_Entry] = []

    def follow(node: Any) -> Any:
        return deref(node, doc)

    body = deref(op.get("requestBody"), doc)
    if isinstance(body, dict):
        for mime, media in _json_media(body, doc):
            where = jp.join(at, "requestBody", "content", mime)
            found.append(_Entry(where, "Request", media, media.get("schema")))
    responses = op.get("responses")
    for status, response in (responses if isinstance(responses, dict) else {}).items():
        response = deref(response, doc)
        if not isinstance(response, dict):
            continue
        role = "Response" if str(status).startswith("2") else f"Error{ClassName(str(status))}"
        for mime, media in _json_media(response, doc):
            where = jp.join(at, "responses", status, "content", mime)
            if not is_event_stream(mime):
                found.append(_Entry(where, role, media, media.get("schema"), str(status)))
                continue
            reading = read_chunk(media, follow)
            chunk = follow_steps(media, reading.steps, follow) if reading.steps else None
            found.append(_Entry(where, "Chunk", media, chunk, str(status), reading.doubt))
    return found


def _json_media(owner: dict[str, Any], doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    content = owner.get("content")
    out = []
    for mime, media in (content if isinstance(content, dict) else {}).items():
        media = deref(media, doc)  # 3.2: a media type may be a ref to components/mediaTypes
        if isinstance(media, dict) and (is_json(mime) or is_event_stream(mime)):
            out.append((str(mime), media))
    return out


_STRUCTURE = frozenset({"properties", "items", "allOf", "anyOf", "oneOf", "schema", "content"})


def _hoist_inner_targets(doc: dict[str, Any], schemas: dict[str, Any], taken: set[str]) -> None:
    """A `$ref` to a schema inside another (`.../LKECluster/properties/region`) gets a component of
    its own (`LKEClusterRegion`), left behind as a ref where it stood.

    The model generator names such a target after its last token (`Region`) and takes that name
    from the component that has it (which becomes `Region1`), so the class we planned would be
    missing (seen in Linode's public document). Deepest targets first, so that a target inside
    another one is still where its ref says when it moves.
    """
    positions: set[tuple[str, ...]] = set()
    refs: dict[str, list[dict[str, Any]]] = {}
    for tokens, kind, node in iter_objects(doc):
        if kind != "schema":
            continue
        positions.add(tokens)
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            refs.setdefault(ref, []).append(node)
    inner = []
    for ref in refs:
        try:
            tokens = tuple(jp.split(ref))
        except ValueError:
            continue
        if tokens[:2] == ("components", "schemas") and len(tokens) == 3:
            continue  # a component: it has its class
        if tokens in positions:
            inner.append((ref, tokens))
    for ref, tokens in sorted(inner, key=lambda item: (-len(item[1]), item[0])):
        parent = get_ref(doc, jp.from_tokens(list(tokens[:-1])))
        words = [t for t in tokens[2 if tokens[0] == "components" else 0 :] if t not in _STRUCTURE]
        name = unique(ClassName("_".join(words)), taken)
        moved = jp.join("#/components/schemas", name)
        if isinstance(parent, dict):
            schemas[name], parent[tokens[-1]] = parent[tokens[-1]], {"$ref": moved}
        elif isinstance(parent, list):
            index = int(tokens[-1])
            schemas[name], parent[index] = parent[index], {"$ref": moved}
        else:
            continue
        for node in refs[ref]:
            node["$ref"] = moved


def _rename_components(doc: dict[str, Any], renames: dict[str, str]) -> None:
    schemas = _schemas(doc)
    doc["components"]["schemas"] = {renames[k]: v for k, v in schemas.items()}
    prefix = "#/components/schemas/"
    mapping = {
        jp.join("#/components/schemas", k): jp.join("#/components/schemas", v)
        for k, v in renames.items()
    }

    def fix_ref(ref: str) -> str:
        if not ref.startswith(prefix):
            return ref
        tokens = jp.split(ref)
        head = jp.from_tokens(tokens[:3])
        return mapping.get(head, head) + "".join("/" + jp.escape(t) for t in tokens[3:])

    for _tokens, _kind, node in iter_objects(doc):
        ref = node.get("$ref")
        if isinstance(ref, str):
            node["$ref"] = fix_ref(ref)
        disc = node.get("discriminator")
        mapped = disc.get("mapping") if isinstance(disc, dict) else None
        if isinstance(mapped, dict):
            for key, target in list(mapped.items()):
                if isinstance(target, str):
                    mapped[key] = (
                        fix_ref(target) if target.startswith("#") else renames.get(target, target)
                    )
