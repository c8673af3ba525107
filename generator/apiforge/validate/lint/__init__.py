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
    "rule",
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


def lint_bundle(
    bundle: Bundle, policy: LintPolicy | None = None, *, generating: bool = False
) -> list[Diagnostic]:
    """Every rule's findings, placed in the files they were written in, sorted, at the severity
    `policy` gives them (defaults: the rules' own; no baseline).

    `generating`: as `generate` says them: without what its plan says itself, and with the errors
    of rules relaxed for it as warnings that know they were errors.
    """
    ctx = Context(bundle)
    out: set[Diagnostic] = set()
    for check in RULES.values():
        if generating and check.said_by_generate:
            continue
        relax = generating and check.relaxed_for_generate
        try:
            findings = list(check(ctx))
        except RecursionError:  # a document nested past what a rule follows: no verdict
            findings = []
        out.update(bundle.place(f.relax() if relax else f) for f in findings)
    found = sorted(out, key=lambda d: (d.file, d.line, d.col, d.rule, d.message))
    return policy.apply(found, baseline=False) if policy is not None else found
