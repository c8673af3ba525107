"""apiforge's own rules on top of the OpenAPI standard: one small function per rule, each with an
id, a default severity and a one-line summary, all reading one walk of the document."""

from __future__ import annotations

from apiforge.document.bundle import Bundle
from apiforge.findings.diagnostic import Diagnostic
from apiforge.validate.lint import (
    components,
    examples,
    extensions,
    openai,
    operations,
    paths,
    schemas,
    servers,
    values,
)
from apiforge.validate.lint.policy import LintPolicy
from apiforge.validate.lint.registry import RULES, Context, Finding, Rule, rule

__all__ = [
    "RULES",
    "Finding",
    "LintPolicy",
    "Rule",
    "lint_bundle",
    "relaxed_for_generate",
    "rule",
    "said_by_generate",
]

_MODULES = (
    components,
    examples,
    extensions,
    openai,
    operations,
    paths,
    schemas,
    servers,
    values,
)  # registered


def lint_bundle(bundle: Bundle, policy: LintPolicy | None = None) -> list[Diagnostic]:
    """Every rule's findings, located in the files they were written in, sorted, at the severity
    `policy` gives them (defaults: the rules' own; no baseline)."""
    ctx = Context(bundle)
    out: set[Diagnostic] = set()
    for rule_id, check in RULES.items():
        try:
            findings = list(check(ctx))
        except RecursionError:  # a document nested past what a rule follows: no verdict
            findings = []
        for f in findings:
            severity = f.severity or check.severity
            out.add(bundle.diagnostic(f.pointer, f.message, severity, rule_id))
    found = sorted(out, key=lambda d: (d.file, d.line, d.col, d.rule, d.message))
    return policy.apply(found, baseline=False) if policy is not None else found


def said_by_generate() -> frozenset[str]:
    """Rules whose finding `generate` makes itself, from its plan: not said twice there."""
    return frozenset(r.id for r in RULES.values() if r.said_by_generate)


def relaxed_for_generate() -> frozenset[str]:
    """Rules whose errors leave the generated code well defined: `generate` warns and goes on."""
    return frozenset(r.id for r in RULES.values() if r.relaxed_for_generate)
