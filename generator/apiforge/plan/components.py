"""Component schemas as classes: renamed to clean names, inner ref targets made components, and
which schema already is a class of its own (a body that refers to one needs no alias)."""

from __future__ import annotations

from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.walk import get_ref, is_ref, iter_objects
from apiforge.plan.names import ClassName, unique

__all__ = [
    "class_of",
    "component_schemas",
    "hoist_inner_targets",
    "is_object_schema",
    "rename_components",
]

SCHEMAS = "#/components/schemas"


def component_schemas(doc: dict[str, Any]) -> dict[str, Any]:
    """`components/schemas` of a document, made a mapping where it is missing or malformed."""
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


def class_of(schema: Any, doc: dict[str, Any]) -> str | None:
    """The class a `$ref` to an object component already has, else None (we add an alias)."""
    schema = _bare_ref(schema, doc)
    if schema is not None:
        ref = schema["$ref"]
        tokens = jp.split(ref)
        if tokens[:2] == ["components", "schemas"] and len(tokens) == 3:
            return tokens[2] if is_object_schema(schema, doc) else None
    return None


_STRUCTURE = frozenset({"properties", "items", "allOf", "anyOf", "oneOf", "schema", "content"})


def hoist_inner_targets(doc: dict[str, Any], schemas: dict[str, Any], taken: set[str]) -> None:
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
        moved = jp.join(SCHEMAS, name)
        if isinstance(parent, dict):
            schemas[name], parent[tokens[-1]] = parent[tokens[-1]], {"$ref": moved}
        elif isinstance(parent, list):
            index = int(tokens[-1])
            schemas[name], parent[index] = parent[index], {"$ref": moved}
        else:
            continue
        for node in refs[ref]:
            node["$ref"] = moved


def rename_components(doc: dict[str, Any], renames: dict[str, str]) -> None:
    """Component schemas under their class names, every ref and discriminator mapping rewritten."""
    schemas = component_schemas(doc)
    doc["components"]["schemas"] = {renames[k]: v for k, v in schemas.items()}
    prefix = SCHEMAS + "/"
    mapping = {jp.join(SCHEMAS, k): jp.join(SCHEMAS, v) for k, v in renames.items()}

    fixed: dict[str, str] = {}  # most refs are written many times

    def fix_ref(ref: str) -> str:
        if not ref.startswith(prefix):
            return ref
        if ref not in fixed:
            tokens = jp.split(ref)
            head = jp.from_tokens(tokens[:3])
            fixed[ref] = mapping.get(head, head) + "".join("/" + jp.escape(t) for t in tokens[3:])
        return fixed[ref]

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
