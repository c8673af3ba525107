"""The rule registry and the one walk every rule shares: a rule is an id, a default severity, a
one-line summary and a small function from the walked document to findings (`Finding`, the one
shape every stage's findings take)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle
from apiforge.document.walk import (
    ObjectAt,
    OperationAt,
    PathItemAt,
    deref,
    iter_operations,
    iter_path_items,
    walk_pointer,
)
from apiforge.findings.diagnostic import Severity
from apiforge.findings.finding import Finding

__all__ = ["RULES", "Context", "Finding", "Rule", "rule"]


@dataclass
class Context:
    """A bundle walked once: every rule reads the same lists instead of walking again."""

    bundle: Bundle
    # what several rules work out together, once (the example rules' one judging of all values)
    shared: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def data(self) -> dict[str, Any]:
        return self.bundle.data

    @property
    def objects(self) -> list[ObjectAt]:
        """Every object, where it is written, as `walk.iter_objects` yields them (the bundle's
        one walk, shared with its loop check and the placing of validator errors)."""
        return self.bundle.objects

    @cached_property
    def schemas(self) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
        """(pointer tokens, schema) of every schema."""
        return [(found.tokens, found.node) for found in self.objects if found.kind == "schema"]

    @cached_property
    def _by_keyword(self) -> dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]]:
        index: dict[str, list[tuple[tuple[str, ...], dict[str, Any]]]] = {}
        for tokens, node in self.schemas:
            for key in node:
                index.setdefault(key, []).append((tokens, node))
        return index

    def having(self, *keywords: str) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
        """The schemas that hold any of `keywords`, in walk order: most rules need a few."""
        if len(keywords) == 1:
            return self._by_keyword.get(keywords[0], [])
        seen: dict[int, tuple[tuple[str, ...], dict[str, Any]]] = {}
        for keyword in keywords:
            seen.update((id(node), (t, node)) for t, node in self._by_keyword.get(keyword, []))
        order = self._walk_order
        return sorted(seen.values(), key=lambda pair: order[id(pair[1])])

    @cached_property
    def _walk_order(self) -> dict[int, int]:
        return {id(node): i for i, (_, node) in enumerate(self.schemas)}

    @cached_property
    def operations(self) -> list[OperationAt]:
        return list(iter_operations(self.bundle.data))

    @cached_property
    def path_items(self) -> list[PathItemAt]:
        return list(iter_path_items(self.bundle.data))

    @cached_property
    def is_30(self) -> bool:
        return self.bundle.release == (3, 0)

    def deref(self, node: Any) -> Any:
        """`walk.deref` in this document: the node a chain of refs ends at, None if broken."""
        return deref(node, self.bundle.data)

    def exists(self, ref: str) -> bool:
        """Whether a local ref names a node of the document (a `null` one too)."""
        if not ref.startswith("#"):
            return False
        try:
            walk_pointer(self.bundle.data, jp.split(ref))
        except (KeyError, IndexError, ValueError, TypeError):
            return False
        return True


Check = Callable[[Context], Iterator[Finding]]


@dataclass(frozen=True)
class Rule:
    """A rule as `apiforge rules` lists it.

    `relaxed_for_generate`: its errors leave the generated code well defined (an unknown security
    scheme is left out of the client's auth, a bodiless error response is raw JSON), so `generate`
    warns and goes on. `said_by_generate`: the generator's plan decides it and says it (`stream`
    notes), so `generate` does not say it twice.
    """

    id: str
    check: Check
    severity: Severity
    summary: str
    relaxed_for_generate: bool = False
    said_by_generate: bool = False

    def __post_init__(self) -> None:  # help(rule) and rule.__doc__ read as the check's
        object.__setattr__(self, "__doc__", self.check.__doc__)

    def __call__(self, ctx: Context) -> Iterator[Finding]:
        """The check's findings under this rule's id; a warning rule's findings are warnings, an
        error rule's are errors unless the check says otherwise."""
        for found in self.check(ctx):
            severity = Severity.WARNING if self.severity is Severity.WARNING else found.severity
            yield replace(found, rule=self.id, severity=severity)


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    severity: Severity = Severity.ERROR,
    *,
    relaxed_for_generate: bool = False,
    said_by_generate: bool = False,
) -> Callable[[Check], Check]:
    """Register a check under `rule_id`; its docstring's first line is the rule's summary."""

    def register(fn: Check) -> Check:
        summary = " ".join((fn.__doc__ or rule_id).split())
        RULES[rule_id] = Rule(
            rule_id, fn, severity, summary, relaxed_for_generate, said_by_generate
        )
        return fn

    return register


def at(tokens: tuple[str, ...] | list[str], *more: str | int) -> str:
    """The pointer of walked tokens and a few more."""
    return jp.from_tokens([*tokens, *map(str, more)])
