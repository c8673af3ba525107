"""A document's findings, assembled once: OpenAPI validation, then lint. `validate` and `check` read
them as the team's `[tool.apiforge.lint]` sets them; `generate` goes on past the errors that leave
its code well defined. Heavy imports wait for the first document (`check` on an unchanged tree
validates none).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from apiforge.findings.diagnostic import Diagnostic, SpecError, has_errors

if TYPE_CHECKING:
    from apiforge.document.bundle import Bundle

__all__ = [
    "Verdicts",
    "validate_and_lint",
    "validate_spec",
    "validate_specs",
    "write_baseline",
]


def validate_and_lint(bundle: Bundle, *, generating: bool = False) -> list[Diagnostic]:
    """The standard's findings, then every lint rule's, at the rules' own severities.

    `generating`: as `generate` says them: lint leaves out what the plan says itself and relaxes
    the errors that leave the code well defined (warnings that know it); the warnings the team's
    `[tool.apiforge.lint]` turns off or baselines are left out too. Its errors stay whatever the
    policy says: they are what would make the generated code undefined. (Severities the policy
    raises are `validate`'s and `check`'s to apply: they are the gate, `generate` is not.)
    """
    from apiforge.validate.lint import lint_bundle
    from apiforge.validate.lint.policy import load_policy
    from apiforge.validate.openapi import begin_validation

    validated = begin_validation(bundle)  # its own thread: lint goes on meanwhile
    linted = lint_bundle(bundle, generating=generating)
    found = validated() + linted
    if generating:
        policy = load_policy()
        found = [d for d in found if d.is_error or not policy.quiets(d)]
    return found


def validate_spec(path: Path, *, baseline: bool = True) -> list[Diagnostic]:
    """Load, resolve, validate and lint one document, as `[tool.apiforge.lint]` sets the findings
    (severities, overrides, and the baseline's left out unless `baseline` is False)."""
    from apiforge.document.bundle import load_bundle
    from apiforge.document.files import display_path
    from apiforge.validate.lint.policy import load_policy

    try:
        bundle = load_bundle(path, display_path(path))
    except SpecError as exc:
        return exc.diagnostics
    return load_policy().apply(validate_and_lint(bundle), baseline=baseline)


@dataclass
class Verdicts:
    """The findings of several documents, and which of them are invalid."""

    findings: list[Diagnostic] = field(default_factory=list)
    invalid: list[Path] = field(default_factory=list)


def validate_specs(
    paths: Sequence[Path], *, proven: Callable[[Path], bool] = lambda _: False
) -> Verdicts:
    """`validate_spec` of each document but those `proven` valid already; where there are several,
    each finding names the document it concerns (a shared file's are found through each)."""
    from apiforge.document.files import display_path

    verdicts = Verdicts()
    for path in paths:
        if proven(path):
            continue
        found = validate_spec(path)
        if len(paths) > 1:
            found = [dataclasses.replace(d, specs=(display_path(path),)) for d in found]
        verdicts.findings += found
        if has_errors(found):
            verdicts.invalid.append(path)
    return verdicts


def write_baseline(paths: Sequence[Path], target: Path) -> int:
    """Every finding of `paths` today, baseline or not, into `target` whole or not at all; how many."""
    from apiforge.validate.lint.policy import baseline_text

    found = [d for path in paths for d in validate_spec(path, baseline=False)]
    partial = target.with_name(target.name + ".partial")
    partial.write_text(baseline_text(found), encoding="utf-8")
    partial.replace(target)
    return len(found)
