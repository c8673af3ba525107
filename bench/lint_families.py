"""The lint yardstick's pure logic: which family a finding is in, and whether two are at one place.

Issue 23 names families of findings (examples, unused components, required-not-defined, ...);
Redocly, Spectral and apiforge each spell them with rules of their own. A finding is a tool's rule
at a place (a file and a JSON pointer); it joins a family by its rule (and, for the peers' catch-all
rules, by its message or pointer). A peer finding is matched when apiforge has a finding of the same
family in the same file at the same pointer, or at a pointer that contains it or lies inside it
without leaving the operation, path item, component or server both sit in (Redocly points at
`.../get/responses` where apiforge may point at `.../get`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "FAMILIES",
    "Finding",
    "also_places",
    "apiforge_family",
    "matched",
    "peer_family",
    "pointer_from_path",
    "same_place",
    "scope",
    "split_pointer",
]

FAMILIES: dict[str, str] = {  # name -> what it catches, in the order the report prints them
    "examples": "an example (schema, media type, parameter, header) that its schema refuses",
    "defaults": "a schema's default that the schema itself refuses",
    "unused-components": "a component no operation, webhook or callback reaches",
    "required-not-defined": "a required property that no property defines",
    "enum-type": "an enum value of the wrong type",
    "duplicate-enum": "the same value twice in one enum",
    "array-items": "type: array without items",
    "ref-siblings": "$ref with sibling keywords (3.0 ignores them)",
    "nullable-without-type": "nullable without type (3.0)",
    "min-max": "a minimum greater than its maximum",
    "default-outside-enum": "a default outside its own enum",
    "query-in-path": "a query string in a path key",
    "trailing-slash": "a path key ending in / (twins /a and /a/)",
    "ambiguous-paths": "templates that can match the same URL",
    "no-2xx": "an operation without a success response",
    "duplicate-params": "the same parameter twice in one operation",
    "path-param-required": "a path parameter that is not required: true",
    "path-params-defined": "a path template name without its parameter, or the reverse",
    "server-variables": "an undefined or empty-enum server variable",
    "server-trailing-slash": "a server URL ending in /",
    "operation-id": "a missing, duplicate or unsafe operationId",
    "security-defined": "an operation's security naming an undefined scheme",
    "version-keywords": "a keyword of the other OpenAPI version (nullable in 3.1, ...)",
}

REDOCLY: dict[str, str] = {
    "no-invalid-schema-examples": "examples",
    "no-invalid-media-type-examples": "examples",
    "no-invalid-parameter-examples": "examples",
    "no-unused-components": "unused-components",
    "no-required-schema-properties-undefined": "required-not-defined",
    "no-enum-type-mismatch": "enum-type",
    "nullable-type-sibling": "nullable-without-type",
    "path-not-include-query": "query-in-path",
    "no-path-trailing-slash": "trailing-slash",
    "no-ambiguous-paths": "ambiguous-paths",
    "no-identical-paths": "ambiguous-paths",
    "operation-2xx-response": "no-2xx",
    "operation-parameters-unique": "duplicate-params",
    "spec-no-duplicated-method-params": "duplicate-params",
    "path-parameters-defined": "path-params-defined",
    "no-undefined-server-variable": "server-variables",
    "no-server-variables-empty-enum": "server-variables",
    "no-server-trailing-slash": "server-trailing-slash",
    "operation-operationId-unique": "operation-id",
    "operation-operationId": "operation-id",
    "operation-operationId-url-safe": "operation-id",
    "spec-ref-siblings": "ref-siblings",
    "no-duplicated-enum-values": "duplicate-enum",
}

SPECTRAL: dict[str, str] = {
    "oas3-valid-media-example": "examples",
    "oas3-valid-schema-example": "examples",
    "oas2-valid-media-example": "examples",
    "oas2-valid-schema-example": "examples",
    "oas3-unused-component": "unused-components",
    "oas2-unused-definition": "unused-components",
    "typed-enum": "enum-type",
    "duplicated-entry-in-enum": "duplicate-enum",
    "array-items": "array-items",
    "no-$ref-siblings": "ref-siblings",
    "path-not-include-query": "query-in-path",
    "path-keys-no-trailing-slash": "trailing-slash",
    "operation-success-response": "no-2xx",
    "operation-parameters": "duplicate-params",
    "oas3-server-variables": "server-variables",
    "oas3-server-trailing-slash": "server-trailing-slash",
    "operation-operationId-unique": "operation-id",
    "operation-operationId": "operation-id",
    "operation-operationId-valid-in-url": "operation-id",
    "oas3-operation-security-defined": "security-defined",
}

APIFORGE: dict[str, str] = {  # rule ids of main and of the lint branch; others by _APIFORGE_WORDS
    "path-params": "path-params-defined",
    "path-templates": "ambiguous-paths",
    "path-template-names": "ambiguous-paths",
    "path-ambiguous": "ambiguous-paths",
    "path-query-string": "query-in-path",
    "path-trailing-slash": "trailing-slash",
    "required-properties": "required-not-defined",
    "required-misplaced": "required-not-defined",
    "operation-id": "operation-id",
    "operation-success": "no-2xx",
    "duplicate-parameters": "duplicate-params",
    "security-schemes": "security-defined",
    "schema-examples": "examples",
    "media-examples": "examples",
    "schema-defaults": "defaults",
    "unused-components": "unused-components",
    "enum-type": "enum-type",
    "enum-duplicates": "duplicate-enum",
    "default-enum": "default-outside-enum",
    "array-items": "array-items",
    "ref-siblings": "ref-siblings",
    "nullable-type": "nullable-without-type",
    "min-max": "min-max",
    "server-variables": "server-variables",
    "server-trailing-slash": "server-trailing-slash",
    "component-names": "",  # apiforge's alone: names that become one class
    "version-keywords": "version-keywords",
}

_APIFORGE_WORDS: tuple[tuple[str, str], ...] = (  # rule id pattern -> family, first match wins
    (r"stream|tool-call|envelope|error-response", ""),  # OpenAI-aware: apiforge's alone
    (r"example", "examples"),
    (r"unused|unreachable", "unused-components"),
    (r"required.*(defin|propert)|undefined-required", "required-not-defined"),
    (r"default.*enum|enum.*default", "default-outside-enum"),
    (r"(duplicate|unique).*enum|enum.*(duplicate|unique)", "duplicate-enum"),
    (r"enum", "enum-type"),
    (r"array.*items|items", "array-items"),
    (r"ref.*sibling", "ref-siblings"),
    (r"nullable", "nullable-without-type"),
    (r"min.*max|range|bounds", "min-max"),
    (r"query", "query-in-path"),
    (r"server.*(slash)", "server-trailing-slash"),
    (r"server.*var", "server-variables"),
    (r"slash", "trailing-slash"),
    (r"ambiguous|path-template", "ambiguous-paths"),
    (r"2xx|success", "no-2xx"),
    (r"(duplicate|unique).*param", "duplicate-params"),
    (r"param.*required", "path-param-required"),
)

_SAYS_BOTH = frozenset(  # (peer family, apiforge family) of one fact, where apiforge says it once
    # 3.0 `nullable` beside `$ref`: apiforge's nullable-type finding there names the `$ref`, and
    # ref-siblings leaves `nullable` to it (one finding, not two, for the one keyword)
    {("ref-siblings", "nullable-without-type")}
)
_OTHER_VERSION = re.compile(
    r"^Property `nullable` is not expected here"
)  # Redocly's struct rule on a keyword of the other OpenAPI version
_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_QUOTED_PATH = re.compile(r"[`\"](/[^`\"]*)[`\"]")


@dataclass(frozen=True)
class Finding:
    """One finding of one tool: its rule, its family ("" outside them all) and where it is."""

    tool: str
    rule: str
    family: str
    file: str  # an absolute path
    pointer: str  # `#/a/b`
    message: str
    also: tuple[str, ...] = field(default=())  # other pointers the finding names (the twin path)

    def places(self) -> tuple[str, ...]:
        return (self.pointer, *self.also)


def split_pointer(pointer: str) -> list[str]:
    """`#/a/b~1c` -> ["a", "b/c"]; anything that is not a pointer -> []."""
    body = pointer[1:] if pointer.startswith("#") else pointer
    if not body.startswith("/"):
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in body[1:].split("/")]


def pointer_from_path(path: Iterable[object]) -> str:
    """Spectral's path (a list of keys and indexes) as a pointer."""
    escaped = (str(t).replace("~", "~0").replace("/", "~1") for t in path)
    return "#" + "".join("/" + t for t in escaped)


def scope(tokens: Sequence[str]) -> int:
    """How many leading tokens name the thing a finding is about: an operation, a path item, a
    component, a server; two pointers match only inside the same one."""
    if not tokens:
        return 0
    if tokens[0] in ("paths", "webhooks", "x-ms-paths"):
        if len(tokens) >= 3 and tokens[2] in _METHODS:
            return 3
        return min(2, len(tokens))
    if tokens[0] == "components":
        return min(3, len(tokens))
    return min(2, len(tokens))


def same_place(a: str, b: str) -> bool:
    """The same pointer, or one inside the other within the operation/component both are in."""
    if a == b:
        return True
    ta, tb = split_pointer(a), split_pointer(b)
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return long[: len(short)] == short and len(short) >= max(1, scope(long))


def matched(peer: Finding, ours: Sequence[Finding]) -> bool:
    """Whether apiforge reports the peer's finding: same family, same file, same place."""
    return any(
        (o.family == peer.family or _says_both(peer, o))
        and o.file == peer.file
        and any(same_place(p, q) for p in peer.places() for q in o.places())
        for o in ours
    )


def _says_both(peer: Finding, ours: Finding) -> bool:
    return (peer.family, ours.family) in _SAYS_BOTH and peer.pointer.endswith("/nullable")


def peer_family(tool: str, rule: str, message: str, pointer: str) -> str:
    """The family of a Redocly or Spectral finding; "" when it is in none."""
    if tool == "spectral" and rule == "path-params":
        if '"required"' in message:
            return "path-param-required"
        if "must not be equivalent" in message:
            return "ambiguous-paths"
        if "must not be defined multiple times" in message:
            return "duplicate-params"
        return "path-params-defined"  # a name missing on either side, or twice in the template
    if tool == "redocly" and rule == "struct":
        return "version-keywords" if _OTHER_VERSION.match(message) else ""
    if rule == "oas3-operation-security-defined" and "among scopes" in message:
        return ""  # an undefined scope, not an undefined scheme (as Redocly's scopes rule)
    family = (REDOCLY if tool == "redocly" else SPECTRAL).get(rule, "")
    if family == "examples" and split_pointer(pointer)[-1:] == ["default"]:
        return "defaults"  # Spectral checks defaults with its example rule
    return family


def apiforge_family(rule: str, pointer: str) -> str:
    """The family of an apiforge finding; the OpenAPI validator's by where it points."""
    if rule == "openapi":
        tokens = split_pointer(pointer)
        if "default" in tokens[-2:]:
            return "defaults"
        if "example" in tokens or "examples" in tokens:
            return "examples"
        if len(tokens) >= 2 and tokens[-2] == "parameters":
            return "path-param-required"  # the OpenAPI schema refuses `in: path` without it
        return ""
    if rule in APIFORGE:
        return APIFORGE[rule]
    for pattern, family in _APIFORGE_WORDS:
        if re.search(pattern, rule):
            return family
    return ""


def also_places(family: str, message: str, pointer: str) -> tuple[str, ...]:
    """Other places a peer finding names: the ambiguous pair's other path; the node holding $ref
    for a sibling key; for an example whose check errored, Redocly points at `.../schema` beside
    it, so the example and examples there."""
    if family == "ambiguous-paths":
        return tuple(paths_named(message))
    if family == "ref-siblings" and "/" in pointer.removeprefix("#/"):
        return (pointer.rsplit("/", 1)[0],)  # the peers name each sibling key; the node is one
    if family in ("examples", "defaults") and pointer.endswith("/schema"):
        parent = pointer.removesuffix("/schema")
        return (parent + "/example", parent + "/examples")
    return ()


def paths_named(message: str) -> list[str]:
    """The paths a message names in quotes (the ambiguous pair), as pointers."""
    return [pointer_from_path(["paths", p]) for p in _QUOTED_PATH.findall(message)]
