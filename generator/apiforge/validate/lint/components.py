"""Components: the ones nothing reaches, and names that become one class."""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator

from apiforge.document import pointer as jp
from apiforge.document.walk import item_operations
from apiforge.findings.diagnostic import Severity
from apiforge.plan.names import ClassName
from apiforge.validate.lint.registry import Context, Finding, rule

Key = tuple[str, str]  # (section, name) under components


@rule("unused-components", Severity.WARNING)
def unused_components(ctx: Context) -> Iterator[Finding]:
    """A component that no operation, webhook or callback reaches, through any chain of refs."""
    comps = ctx.data.get("components")
    if not isinstance(comps, dict) or not (ctx.data.get("paths") or ctx.data.get("webhooks")):
        return  # a library of components (no paths) is all there to be referenced
    schemes = {("securitySchemes", name) for name in _required_schemes(ctx.data)}
    reached = _reached(ctx, schemes)
    for section, members in comps.items():
        if not isinstance(members, dict) or section.startswith("x-"):
            continue
        for name in members:
            if (section, str(name)) not in reached:
                where = jp.join("#/components", section, str(name))
                message = f"components/{section}/{name} is never used: no operation reaches it"
                yield Finding(where, message)


def _reached(ctx: Context, named: set[Key]) -> set[Key]:
    """Components reached from outside `components` (and the `named` ones: security schemes a
    requirement names), following refs, discriminator mappings and the allOf children of a
    discriminating base (its implicit mapping selects them)."""
    edges: dict[Key | None, set[Key]] = {}
    children: dict[Key, set[Key]] = {}  # base schema -> schemas whose allOf refers to it
    for found in ctx.objects:
        tokens = found.tokens
        owner: Key | None = (
            (tokens[1], tokens[2]) if len(tokens) >= 3 and tokens[0] == "components" else None
        )
        targets = edges.setdefault(owner, set())
        ref = found.node.get("$ref")
        if isinstance(ref, str):
            _add(targets, ref)
        if found.kind == "discriminator":
            mapping = found.node.get("mapping")
            for value in mapping.values() if isinstance(mapping, dict) else ():
                if isinstance(value, str):
                    _add(
                        targets,
                        value
                        if "/" in value or "#" in value
                        else "#/components/schemas/" + jp.escape(value),
                    )
        if (
            found.kind == "schema"
            and owner is not None
            and owner[0] == "schemas"
            and len(tokens) == 5
            and tokens[3] == "allOf"
        ):
            base = _component(found.node.get("$ref"))
            if base is not None and _discriminates(ctx, base):
                children.setdefault(base, set()).add(owner)
    reached: set[Key] = set()
    todo = deque([*edges.get(None, ()), *sorted(named)])
    while todo:
        key = todo.popleft()
        if key in reached:
            continue
        reached.add(key)
        todo.extend(edges.get(key, ()))
        todo.extend(children.get(key, ()))
    return reached


def _discriminates(ctx: Context, key: Key) -> bool:
    """Whether a component is a schema with a discriminator: only then does it select the schemas
    whose allOf refers to it (a plain base is reached by them, and reaches none of them)."""
    section = ctx.data.get("components", {}).get(key[0])
    schema = section.get(key[1]) if isinstance(section, dict) else None
    return isinstance(schema, dict) and isinstance(schema.get("discriminator"), dict)


def _required_schemes(data: dict[str, object]) -> set[str]:
    """Security schemes named by a requirement: the document's, or an operation's in paths,
    webhooks and callbacks (a scheme is used by name, never by `$ref`)."""
    names: set[str] = set()
    owners: list[object] = [data]
    items: list[object] = []
    for key in ("paths", "webhooks"):
        found = data.get(key)
        items += list(found.values()) if isinstance(found, dict) else []
    depth = 0
    while items and depth < 8:  # callbacks nest path items inside operations
        nested: list[object] = []
        for item in items:
            if not isinstance(item, dict):
                continue
            for found in item_operations(item):
                owners.append(found.operation)
                callbacks = found.operation.get("callbacks")
                for callback in callbacks.values() if isinstance(callbacks, dict) else ():
                    nested += list(callback.values()) if isinstance(callback, dict) else []
        items, depth = nested, depth + 1
    for owner in owners:
        security = owner.get("security") if isinstance(owner, dict) else None
        for requirement in security if isinstance(security, list) else ():
            names.update(str(n) for n in requirement if isinstance(requirement, dict))
    return names


def _add(targets: set[Key], ref: str) -> None:
    key = _component(ref)
    if key is not None:
        targets.add(key)


@functools.lru_cache(maxsize=1 << 14)
def _component_of(ref: str) -> Key | None:
    """`_component`, remembered: a document writes each ref many times (OpenAI's: 8,000 refs)."""
    if not ref.startswith("#/components/"):
        return None
    parts = ref[len("#/components/") :].split("/", 2)  # section names need no unescaping
    return (parts[0], jp.unescape(parts[1])) if len(parts) >= 2 else None


def _component(ref: object) -> Key | None:
    return _component_of(ref) if isinstance(ref, str) else None


@rule("component-names", Severity.WARNING)
def component_names(ctx: Context) -> Iterator[Finding]:
    """Schema names that differ only in case or in characters the generator drops (`user-id`,
    `UserId`): both become one class name, and one of them is renamed."""
    comps = ctx.data.get("components")
    schemas = comps.get("schemas") if isinstance(comps, dict) else None
    seen: dict[str, str] = {}
    for name in schemas if isinstance(schemas, dict) else ():
        key = str(ClassName(str(name))).lower()
        if key in seen:
            message = (
                f"schema {name!r} and {seen[key]!r} both become the class {ClassName(str(name))!r}"
            )
            yield Finding(jp.join("#/components/schemas", str(name)), message)
        else:
            seen[key] = str(name)
