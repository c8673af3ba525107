"""`apiforge diff`: compare two bundled documents and say which changes break existing clients."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from apiforge import pointer as jp
from apiforge.diff_rules import (
    SCHEMA_KINDS,
    Change,
    Direction,
    Emitter,
    Location,
    Locator,
    SchemaContext,
    SchemaDiffer,
    Sub,
    canon,
    resolve,
    words,
)

__all__ = [
    "ALL_KINDS",
    "DECLARATIONS_KEY",
    "Change",
    "Declaration",
    "DeclarationError",
    "DiffResult",
    "Location",
    "Locator",
    "diff_documents",
    "parse_declarations",
]

DECLARATIONS_KEY = "x-apiforge-breaking"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DOCUMENT_KINDS = frozenset(
    words(
        """
        api-path-removed-without-deprecation api-path-removed-with-deprecation
        api-removed-without-deprecation api-removed-with-deprecation endpoint-added
        endpoint-deprecated endpoint-reactivated api-operation-id-added api-operation-id-removed
        api-operation-id-changed api-tag-added api-tag-removed request-parameter-removed
        new-request-path-parameter new-required-request-parameter new-optional-request-parameter
        request-parameter-became-required request-parameter-became-optional
        request-parameter-deprecated request-parameter-reactivated
        request-parameter-serialization-changed request-body-added-required
        request-body-added-optional request-body-removed request-body-became-required
        request-body-became-optional request-body-media-type-added request-body-media-type-removed
        response-success-status-removed response-non-success-status-removed
        response-success-status-added response-non-success-status-added response-media-type-added
        response-media-type-removed required-response-header-removed
        optional-response-header-removed response-header-added response-header-became-optional
        response-header-became-required api-security-added api-security-removed
        api-security-requirement-added api-security-requirement-removed api-security-scope-added
        api-security-scope-removed api-security-component-added api-security-component-removed
        api-security-component-type-changed api-security-component-changed
        api-security-component-oauth-url-changed api-security-component-oauth-scope-added
        api-security-component-oauth-scope-removed
        """
    )
)
ALL_KINDS: frozenset[str] = SCHEMA_KINDS | DOCUMENT_KINDS


@dataclass(frozen=True)
class Declaration:
    """An entry of `x-apiforge-breaking` in the new document: a reviewed, intended break."""

    index: int
    pointer: str
    kind: str | None
    reason: str
    location: Location | None = None

    def covers(self, change: Change) -> bool:
        """Same kind (if given), and the pointer is the change's or a parent of it on either side."""
        if self.kind is not None and self.kind != change.kind:
            return False
        mine = jp.split(self.pointer)  # checked when the declaration was read
        places = (change.new_pointer, change.old_pointer, change.new_source, change.old_source)
        for place in places:
            tokens = _tokens(place) if place is not None else None
            if tokens is not None and tokens[: len(mine)] == mine:
                return True
        return False


def _tokens(pointer: str) -> list[str] | None:
    try:
        return jp.split(pointer)
    except ValueError:
        return None


@dataclass(frozen=True)
class DeclarationError:
    """A malformed `x-apiforge-breaking` entry; it declares nothing."""

    pointer: str
    message: str
    location: Location | None = None


@dataclass(frozen=True)
class DiffResult:
    changes: tuple[Change, ...]
    declarations: tuple[Declaration, ...] = ()
    errors: tuple[DeclarationError, ...] = ()

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def undeclared_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking and not c.declared)

    @property
    def declared_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking and c.declared)

    @property
    def non_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.breaking)

    @property
    def unused_declarations(self) -> tuple[Declaration, ...]:
        """Declarations that cover no breaking change: stale, or aimed at the wrong place."""
        used = {d.index for c in self.breaking for d in c.declarations}
        return tuple(d for d in self.declarations if d.index not in used)

    @property
    def ok(self) -> bool:
        """True when nothing should fail the build: no undeclared break, no malformed declaration."""
        return not self.undeclared_breaking and not self.errors


def diff_documents(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    *,
    old_locate: Locator | None = None,
    new_locate: Locator | None = None,
) -> DiffResult:
    """Compare two bundles (local `$ref`s only); breaking changes are judged per direction."""
    emitter = Emitter(old_locate, new_locate)
    _Documents(old, new, emitter).run()
    unique = {(c.kind, c.old_pointer, c.new_pointer, c.detail): c for c in emitter.changes}
    ordered = sorted(unique.values(), key=_order)
    declarations, errors = parse_declarations(new, new_locate)
    changes = []
    for change in ordered:
        covering = tuple(d for d in declarations if change.breaking and d.covers(change))
        changes.append(replace(change, declarations=covering) if covering else change)
    return DiffResult(tuple(changes), declarations, errors)


def _order(change: Change) -> tuple[str, ...]:
    return (change.pointer, change.kind, change.old_pointer or "", change.detail)


def parse_declarations(
    doc: Mapping[str, Any], locate: Locator | None = None
) -> tuple[tuple[Declaration, ...], tuple[DeclarationError, ...]]:
    """Read `x-apiforge-breaking`; every malformed entry becomes an error and declares nothing."""
    base = jp.join("#", DECLARATIONS_KEY)
    raw = doc.get(DECLARATIONS_KEY)
    where = locate or (lambda _p: None)
    if raw is None:
        return (), ()
    if not isinstance(raw, list):
        return (), (DeclarationError(base, f"{DECLARATIONS_KEY} must be a list", where(base)),)
    found: list[Declaration] = []
    errors: list[DeclarationError] = []
    for index, entry in enumerate(raw):
        at = jp.join(base, index)
        problems = _problems(entry)
        if problems:
            errors.extend(DeclarationError(at, p, where(at)) for p in problems)
            continue
        pointer = str(entry["pointer"])
        pointer = "#" + pointer if pointer.startswith("/") else pointer
        reason = str(entry["reason"]).strip()
        found.append(Declaration(index, pointer, entry.get("kind"), reason, where(at)))
    return tuple(found), tuple(errors)


def _problems(entry: Any) -> list[str]:
    if not isinstance(entry, Mapping):
        return ["a declaration must be a mapping with `pointer` and `reason`"]
    problems = [f"unknown key `{k}`" for k in sorted(map(str, entry)) if k not in _FIELDS]
    pointer = entry.get("pointer")
    if not isinstance(pointer, str) or not pointer:
        problems.append("`pointer` must be a JSON pointer such as `#/paths/~1pets/get`")
    else:
        try:
            jp.split("#" + pointer if pointer.startswith("/") else pointer)
        except ValueError:
            problems.append(f"`pointer` {pointer!r} is not a JSON pointer (start it with `#/`)")
    kind = entry.get("kind")
    if kind is not None and kind not in ALL_KINDS:
        close = difflib.get_close_matches(str(kind), sorted(ALL_KINDS), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problems.append(f"unknown kind `{kind}`{hint}")
    reason = entry.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        problems.append("`reason` is required and must be non-empty")
    return problems


_FIELDS = frozenset({"pointer", "kind", "reason"})


# --- the document walk --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Side:
    """One side of a compared object: the node, its logical and its physical pointer."""

    node: Any
    pointer: str
    src: str

    def get(self, key: str) -> Any:
        return self.node.get(key) if isinstance(self.node, Mapping) else None

    def at(self, doc: Any, *tokens: str | int) -> _Side:
        node = self.node
        for token in tokens:
            node = _child(node, token)
        logical, physical = jp.join(self.pointer, *tokens), jp.join(self.src, *tokens)
        node, physical = _deref(doc, node, physical)
        return _Side(node, logical, physical)


def _child(node: Any, token: str | int) -> Any:
    if isinstance(node, list) and isinstance(token, int):
        return node[token] if token < len(node) else None
    if not isinstance(node, Mapping):
        return None
    if token in node:
        return node[token]
    return next((v for k, v in node.items() if str(k) == str(token)), None)  # YAML int keys


def _deref(doc: Any, node: Any, src: str) -> tuple[Any, str]:
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if ref in seen:
            break
        seen.add(ref)
        node, src = resolve(doc, ref), ref
    return node, src


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class _Documents:
    """Walks paths, operations, parameters, bodies, responses and security of both documents."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any], emitter: Emitter) -> None:
        self.docs = (old, new)
        self.emitter = emitter
        self.schemas = SchemaDiffer(old, new, emitter)
        old_schemes = _mapping(_mapping(old.get("components")).get("securitySchemes"))
        new_schemes = _mapping(_mapping(new.get("components")).get("securitySchemes"))
        self.schemes = (
            {n: _deref(old, s, "#")[0] for n, s in old_schemes.items()},
            {n: _deref(new, s, "#")[0] for n, s in new_schemes.items()},
        )

    def emit(
        self, kind: str, breaking: bool, subject: str, detail: str, o: _Side, n: _Side
    ) -> None:
        """Report a change; a side whose node is None is absent there (pointer None)."""
        old = (None if o.node is None else o.pointer, o.src)
        new = (None if n.node is None else n.pointer, n.src)
        self.emitter.emit(kind, breaking, subject, detail, old, new)

    def run(self) -> None:
        self._paths()
        self._security_schemes()

    def _paths(self) -> None:
        index = [_path_index(doc) for doc in self.docs]
        roots = [_Side(doc.get("paths"), "#/paths", "#/paths") for doc in self.docs]
        for template in sorted(set(index[0]) | set(index[1])):
            names = index[0].get(template), index[1].get(template)
            o = roots[0].at(self.docs[0], names[0]) if names[0] else _absent(roots[0])
            n = roots[1].at(self.docs[1], names[1]) if names[1] else _absent(roots[1])
            path = names[1] or names[0] or template
            if n.node is None:
                ops = [op for m in METHODS if isinstance(op := o.get(m), Mapping)]
                deprecated = bool(ops) and all(op.get("deprecated") is True for op in ops)
                kind = f"api-path-removed-with{'' if deprecated else 'out'}-deprecation"
                self.emit(kind, True, f"`{path}`", "path removed", o, n)
                continue
            for method in METHODS:
                self._method(path, method, o, n)

    def _method(self, path: str, method: str, item_o: _Side, item_n: _Side) -> None:
        o, n = item_o.at(self.docs[0], method), item_n.at(self.docs[1], method)
        label = f"`{method.upper()} {path}`"
        if o.node is None and n.node is None:
            return
        if o.node is None:
            self.emit("endpoint-added", False, label, "operation added", _absent(item_o), n)
        elif n.node is None:
            deprecated = o.get("deprecated") is True
            kind = f"api-removed-with{'' if deprecated else 'out'}-deprecation"
            self.emit(kind, True, label, "operation removed", o, _absent(item_n))
        else:
            self.schemas.reset()
            self._operation(label, o, n)
            self._parameters(label, (item_o, o), (item_n, n))
            self._request_body(
                label, o.at(self.docs[0], "requestBody"), n.at(self.docs[1], "requestBody")
            )
            self._responses(label, o.at(self.docs[0], "responses"), n.at(self.docs[1], "responses"))
            self._security(label, o, n)

    def _operation(self, label: str, o: _Side, n: _Side) -> None:
        was, now = o.get("deprecated") is True, n.get("deprecated") is True
        if was != now:
            kind = "endpoint-deprecated" if now else "endpoint-reactivated"
            self.emit(kind, False, label, kind.replace("endpoint-", "operation "), o, n)
        old_id, new_id = o.get("operationId"), n.get("operationId")
        if old_id != new_id:
            at_o, at_n = o.at(self.docs[0], "operationId"), n.at(self.docs[1], "operationId")
            detail = f"operationId changed from `{old_id}` to `{new_id}`"
            if old_id is None:
                self.emit(
                    "api-operation-id-added", False, label, f"operationId `{new_id}` added", o, at_n
                )
            elif new_id is None:
                self.emit(
                    "api-operation-id-removed",
                    True,
                    label,
                    f"operationId `{old_id}` removed",
                    at_o,
                    n,
                )
            else:
                self.emit("api-operation-id-changed", True, label, detail, at_o, at_n)
        old_tags = {str(t) for t in _list(o.get("tags"))}
        new_tags = {str(t) for t in _list(n.get("tags"))}
        for tag in sorted(old_tags - new_tags):
            self.emit("api-tag-removed", False, label, f"tag `{tag}` removed", o, n)
        for tag in sorted(new_tags - old_tags):
            self.emit("api-tag-added", False, label, f"tag `{tag}` added", o, n)

    # parameters -----------------------------------------------------------------------------

    def _parameters(self, label: str, old: tuple[_Side, _Side], new: tuple[_Side, _Side]) -> None:
        olds, news = _params(self.docs[0], *old), _params(self.docs[1], *new)
        for key in sorted(set(olds) | set(news)):
            where, name = key[0], olds[key].get("name") if key in olds else news[key].get("name")
            subject = f"{label} {where} parameter `{name}`"
            if key not in news:
                o = olds[key]
                self.emit(
                    "request-parameter-removed",
                    True,
                    subject,
                    "parameter removed",
                    o,
                    _absent(new[1]),
                )
                continue
            n = news[key]
            if key not in olds:
                required = where == "path" or n.get("required") is True
                kind = (
                    "new-request-path-parameter"
                    if where == "path"
                    else (f"new-{'required' if required else 'optional'}-request-parameter")
                )
                detail = f"{'required' if required else 'optional'} parameter added"
                self.emit(kind, required, subject, detail, _absent(old[1]), n)
                continue
            self._parameter(subject, where, olds[key], n)

    def _parameter(self, subject: str, where: str, o: _Side, n: _Side) -> None:
        was = where == "path" or o.get("required") is True
        now = where == "path" or n.get("required") is True
        if was != now:
            kind = f"request-parameter-became-{'required' if now else 'optional'}"
            self.emit(kind, now, subject, f"became {'required' if now else 'optional'}", o, n)
        if (o.get("deprecated") is True) != (n.get("deprecated") is True):
            kind = "request-parameter-" + ("deprecated" if n.get("deprecated") else "reactivated")
            self.emit(kind, False, subject, kind.rsplit("-", 1)[1], o, n)
        old_style, new_style = _serialization(where, o), _serialization(where, n)
        if old_style != new_style:
            detail = f"serialization changed from {old_style} to {new_style}"
            self.emit("request-parameter-serialization-changed", True, subject, detail, o, n)
        ctx = SchemaContext(
            Direction.REQUEST,
            "request-parameter",
            "request-parameter-property",
            o.pointer,
            n.pointer,
            subject,
        )
        self._schema(ctx, o, n)

    def _schema(self, ctx: SchemaContext, o: _Side, n: _Side) -> None:
        """Compare the `schema` of a parameter, header or media type (or its first `content`)."""
        old, old_ptr = _schema_of(o)
        new, new_ptr = _schema_of(n)
        ctx = replace(ctx, old_pointer=old_ptr, new_pointer=new_ptr, old_src=o.src, new_src=n.src)
        self.schemas.compare(ctx, old, new)

    # bodies ---------------------------------------------------------------------------------

    def _request_body(self, label: str, o: _Side, n: _Side) -> None:
        subject = f"{label} request body"
        if o.node is None and n.node is None:
            return
        if o.node is None:
            required = n.get("required") is True
            kind = f"request-body-added-{'required' if required else 'optional'}"
            detail = f"{'required' if required else 'optional'} request body added"
            self.emit(kind, required, subject, detail, o, n)
            return
        if n.node is None:
            self.emit("request-body-removed", True, subject, "request body removed", o, n)
            return
        was, now = o.get("required") is True, n.get("required") is True
        if was != now:
            kind = f"request-body-became-{'required' if now else 'optional'}"
            self.emit(kind, now, subject, f"became {'required' if now else 'optional'}", o, n)
        self._content(Direction.REQUEST, subject, o, n)

    def _content(self, direction: Direction, subject: str, o: _Side, n: _Side) -> None:
        olds, news = _media_types(o), _media_types(n)
        request = direction is Direction.REQUEST
        family = "request-body-media-type" if request else "response-media-type"
        for media in sorted(set(olds) | set(news)):
            at_o = o.at(self.docs[0], "content", olds[media]) if media in olds else _absent(o)
            at_n = n.at(self.docs[1], "content", news[media]) if media in news else _absent(n)
            label = subject if media == "application/json" else f"{subject} (`{media}`)"
            if media not in news:
                self.emit(
                    f"{family}-removed", True, label, f"media type `{media}` removed", at_o, at_n
                )
            elif media not in olds:
                self.emit(
                    f"{family}-added", False, label, f"media type `{media}` added", at_o, at_n
                )
            else:
                prefixes = (
                    ("request-body", "request-property")
                    if request
                    else ("response-body", "response-property")
                )
                ctx = SchemaContext(direction, *prefixes, at_o.pointer, at_n.pointer, label)
                self._schema(ctx, at_o, at_n)

    def _responses(self, label: str, o: _Side, n: _Side) -> None:
        olds = {str(k).upper(): str(k) for k in _mapping(o.node)}
        news = {str(k).upper(): str(k) for k in _mapping(n.node)}
        for code in sorted(set(olds) | set(news)):
            subject = f"{label} response {code.lower() if code == 'DEFAULT' else code}"
            at_o = o.at(self.docs[0], olds[code]) if code in olds else _absent(o)
            at_n = n.at(self.docs[1], news[code]) if code in news else _absent(n)
            family = (
                "response-success-status" if code.startswith("2") else "response-non-success-status"
            )
            if code not in news:
                self.emit(
                    f"{family}-removed", code.startswith("2"), subject, "status removed", at_o, at_n
                )
            elif code not in olds:
                self.emit(f"{family}-added", False, subject, "status added", at_o, at_n)
            else:
                self._content(Direction.RESPONSE, subject, at_o, at_n)
                self._headers(subject, at_o, at_n)

    def _headers(self, subject: str, o: _Side, n: _Side) -> None:
        olds = {str(k).lower(): str(k) for k in _mapping(o.get("headers"))}
        news = {str(k).lower(): str(k) for k in _mapping(n.get("headers"))}
        for name in sorted(set(olds) | set(news)):
            at_o = o.at(self.docs[0], "headers", olds[name]) if name in olds else _absent(o)
            at_n = n.at(self.docs[1], "headers", news[name]) if name in news else _absent(n)
            label = f"{subject} header `{news.get(name) or olds[name]}`"
            was, now = at_o.get("required") is True, at_n.get("required") is True
            if name not in news:
                kind = f"{'required' if was else 'optional'}-response-header-removed"
                self.emit(kind, was, label, "header removed", at_o, at_n)
            elif name not in olds:
                self.emit("response-header-added", False, label, "header added", at_o, at_n)
            else:
                if was != now:
                    kind = f"response-header-became-{'required' if now else 'optional'}"
                    self.emit(
                        kind,
                        was,
                        label,
                        kind.replace("response-header-", "").replace("-", " "),
                        at_o,
                        at_n,
                    )
                ctx = SchemaContext(
                    Direction.RESPONSE,
                    "response-header",
                    "response-header-property",
                    at_o.pointer,
                    at_n.pointer,
                    label,
                )
                self._schema(ctx, at_o, at_n)

    # security -------------------------------------------------------------------------------

    def _security(self, label: str, o: _Side, n: _Side) -> None:
        old_alts, at_o = self._requirements(0, o)
        new_alts, at_n = self._requirements(1, n)
        old_open, new_open = _anonymous(old_alts), _anonymous(new_alts)
        if old_open != new_open:
            if new_open:
                self.emit(
                    "api-security-removed",
                    False,
                    label,
                    "no longer requires authentication",
                    at_o,
                    at_n,
                )
            else:
                self.emit(
                    "api-security-added", True, label, "now requires authentication", at_o, at_n
                )
            return
        if old_open:
            return
        for alt in old_alts:
            if any(_grants(alt, b) for b in new_alts):
                continue
            same = [b for b in new_alts if b.keys() == alt.keys()]
            if same:
                detail = f"security {_alt_text(alt)} now needs more scopes: {_alt_text(same[0])}"
                self.emit("api-security-scope-added", True, label, detail, at_o, at_n)
            else:
                detail = f"security {_alt_text(alt)} is no longer accepted"
                self.emit("api-security-requirement-removed", True, label, detail, at_o, at_n)
        for alt in new_alts:
            if alt in old_alts:
                continue
            same = [a for a in old_alts if a.keys() == alt.keys()]
            if not same:
                detail = f"security {_alt_text(alt)} is now also accepted"
                self.emit("api-security-requirement-added", False, label, detail, at_o, at_n)
            elif _grants(same[0], alt):
                detail = f"security {_alt_text(same[0])} needs fewer scopes: {_alt_text(alt)}"
                self.emit("api-security-scope-removed", False, label, detail, at_o, at_n)

    def _requirements(self, side: int, op: _Side) -> tuple[list[_Alternative], _Side]:
        doc = self.docs[side]
        if isinstance(op.node, Mapping) and "security" in op.node:
            at = op.at(doc, "security")
        else:
            at = _Side(doc.get("security"), "#/security", "#/security")
        alts: list[_Alternative] = []
        for requirement in at.node if isinstance(at.node, list) else []:
            alts.append(
                {
                    self._scheme_key(side, str(k)): frozenset(map(str, _list(v)))
                    for k, v in _mapping(requirement).items()
                }
            )
        return alts, at

    def _scheme_key(self, side: int, name: str) -> _Scheme:
        """Same name on both sides, or (when renamed) the same shape: the same scheme."""
        scheme = self.schemes[side].get(name)
        if scheme is None or (name in self.schemes[0] and name in self.schemes[1]):
            return _Scheme("name:" + name, name)
        return _Scheme("shape:" + _shape(scheme), name)

    def _security_schemes(self) -> None:
        at = "#/components/securitySchemes"
        roots = [
            _Side(_mapping(d.get("components")).get("securitySchemes"), at, at) for d in self.docs
        ]
        shapes = [{_shape(s) for s in side.values()} for side in self.schemes]
        for name in sorted(set(self.schemes[0]) | set(self.schemes[1])):
            o = roots[0].at(self.docs[0], name) if name in self.schemes[0] else _absent(roots[0])
            n = roots[1].at(self.docs[1], name) if name in self.schemes[1] else _absent(roots[1])
            label = f"security scheme `{name}`"
            if n.node is None:
                if _shape(o.node) not in shapes[1]:
                    self.emit(
                        "api-security-component-removed",
                        True,
                        label,
                        "security scheme removed",
                        o,
                        n,
                    )
            elif o.node is None:
                if _shape(n.node) not in shapes[0]:
                    self.emit(
                        "api-security-component-added", False, label, "security scheme added", o, n
                    )
            else:
                self._scheme(label, o, n)

    def _scheme(self, label: str, o: _Side, n: _Side) -> None:
        if o.get("type") != n.get("type"):
            detail = f"type changed from `{o.get('type')}` to `{n.get('type')}`"
            self.emit("api-security-component-type-changed", True, label, detail, o, n)
            return
        for key in ("in", "name", "scheme", "openIdConnectUrl"):
            was, now = o.get(key), n.get(key)
            if key == "scheme" and isinstance(was, str) and isinstance(now, str):
                was, now = was.lower(), now.lower()
            if was != now:
                detail = f"`{key}` changed from `{was}` to `{now}`"
                self.emit("api-security-component-changed", True, label, detail, o, n)
        old_flows, new_flows = _mapping(o.get("flows")), _mapping(n.get("flows"))
        for flow in sorted(set(old_flows) | set(new_flows)):
            fo, fn = _mapping(old_flows.get(flow)), _mapping(new_flows.get(flow))
            at_o, at_n = o.at(self.docs[0], "flows", flow), n.at(self.docs[1], "flows", flow)
            if not fn or not fo:
                verb = "removed" if not fn else "added"
                self.emit(
                    "api-security-component-changed",
                    not fn,
                    label,
                    f"flow `{flow}` {verb}",
                    at_o,
                    at_n,
                )
                continue
            for url in ("authorizationUrl", "tokenUrl", "refreshUrl"):
                if fo.get(url) != fn.get(url):
                    detail = f"{flow} `{url}` changed from `{fo.get(url)}` to `{fn.get(url)}`"
                    self.emit(
                        "api-security-component-oauth-url-changed", True, label, detail, at_o, at_n
                    )
            old_scopes, new_scopes = (
                set(_mapping(fo.get("scopes"))),
                set(_mapping(fn.get("scopes"))),
            )
            for scope in sorted(old_scopes - new_scopes):
                self.emit(
                    "api-security-component-oauth-scope-removed",
                    True,
                    label,
                    f"scope `{scope}` removed",
                    at_o,
                    at_n,
                )
            for scope in sorted(new_scopes - old_scopes):
                self.emit(
                    "api-security-component-oauth-scope-added",
                    False,
                    label,
                    f"scope `{scope}` added",
                    at_o,
                    at_n,
                )


@dataclass(frozen=True)
class _Scheme:
    """A security scheme as a requirement names it; equal when the same scheme on both sides."""

    id: str
    name: str = field(compare=False)


_Alternative = dict[_Scheme, frozenset[str]]  # one entry of a `security` list


def _absent(parent: _Side) -> _Side:
    """The place a missing node would be: located at its parent, with no pointer of its own."""
    return _Side(None, parent.pointer, parent.src)


def _path_index(doc: Mapping[str, Any]) -> dict[str, str]:
    """`/pets/{id}` and `/pets/{petId}` are one path: map the template shape to the key."""
    index: dict[str, str] = {}
    for path in sorted(map(str, _mapping(doc.get("paths")))):
        shape = "/".join(
            "{}" if s.startswith("{") and s.endswith("}") else s for s in path.split("/")
        )
        index.setdefault(shape, path)
    return index


def _params(doc: Any, item: _Side, op: _Side) -> dict[tuple[str, str], _Side]:
    """Path-level parameters overridden by the operation's, keyed by (in, name)."""
    found: dict[tuple[str, str], _Side] = {}
    for owner in (item, op):
        for i, _ in enumerate(_list(owner.get("parameters"))):
            param = owner.at(doc, "parameters", i)
            where, name = str(param.get("in")), str(param.get("name"))
            found[(where, name.lower() if where == "header" else name)] = param
    return found


def _serialization(where: str, param: _Side) -> str:
    style = param.get("style") or ("form" if where in ("query", "cookie") else "simple")
    explode = param.get("explode")
    explode = style == "form" if explode is None else explode is True
    return f"style={style}, explode={str(explode).lower()}"


def _schema_of(side: _Side) -> tuple[list[Sub], str]:
    """The schema of a parameter, header or media type, and its logical pointer."""
    if side.get("schema") is not None:
        return [(side.get("schema"), jp.join(side.src, "schema"))], jp.join(side.pointer, "schema")
    content = _mapping(side.get("content"))
    for media in sorted(content):
        schema = _mapping(content[media]).get("schema")
        if schema is not None:
            tokens = ("content", media, "schema")
            return [(schema, jp.join(side.src, *tokens))], jp.join(side.pointer, *tokens)
    return [], jp.join(side.pointer, "schema")


def _media_types(side: _Side) -> dict[str, str]:
    return {str(k).split(";")[0].strip().lower(): str(k) for k in _mapping(side.get("content"))}


def _anonymous(alts: list[_Alternative]) -> bool:
    return not alts or any(not alt for alt in alts)


def _grants(have: _Alternative, need: _Alternative) -> bool:
    """A client holding the credentials of `have` satisfies the requirement `need`."""
    return all(key in have and scopes <= have[key] for key, scopes in need.items())


def _alt_text(alt: _Alternative) -> str:
    parts = []
    for scheme, scopes in sorted(alt.items(), key=lambda item: item[0].name):
        parts.append(f"`{scheme.name}`" + (f" [{', '.join(sorted(scopes))}]" if scopes else ""))
    return " + ".join(parts)


def _shape(scheme: Any) -> str:
    """A security scheme without its prose, oauth scopes reduced to their names."""
    if not isinstance(scheme, Mapping):
        return canon(scheme)
    flat: dict[str, Any] = {
        k: v for k, v in scheme.items() if k != "description" and not str(k).startswith("x-")
    }
    if isinstance(flat.get("flows"), Mapping):
        flat["flows"] = {
            f: {**_mapping(v), "scopes": sorted(_mapping(_mapping(v).get("scopes")))}
            for f, v in flat["flows"].items()
        }
    return canon(flat)
