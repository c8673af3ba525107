"""`[tool.apiforge.lint]` as one frozen LintPolicy: severity per rule, overrides by file glob and
JSON-pointer prefix, and a baseline of known findings (by rule, file and pointer, not line)."""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from apiforge.findings.diagnostic import Diagnostic, Severity, UsageError

__all__ = [
    "BaselineKey",
    "LintPolicy",
    "Override",
    "baseline_text",
    "load_policy",
    "parse_policy",
    "read_baseline",
]

Level = Literal["error", "warning", "off"]
LEVELS: tuple[Level, ...] = ("error", "warning", "off")
BaselineKey = tuple[str, str, str]  # (rule, file, pointer)
BASELINE_VERSION = 1


@dataclass(frozen=True)
class Override:
    """Rule levels for the findings in files matching `files` and under `pointers` (either empty:
    every file, every pointer)."""

    rules: Mapping[str, Level]
    files: tuple[str, ...] = ()
    pointers: tuple[str, ...] = ()

    def covers(self, d: Diagnostic) -> bool:
        in_file = not self.files or any(fnmatch.fnmatchcase(d.file, g) for g in self.files)
        return in_file and (not self.pointers or any(_under(d.pointer, p) for p in self.pointers))


@dataclass(frozen=True)
class LintPolicy:
    """What the team decided: applied to the findings after every rule has run."""

    rules: Mapping[str, Level] = dataclasses.field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    baseline: frozenset[BaselineKey] = frozenset()

    def level(self, d: Diagnostic) -> Level | None:
        """The configured level of a finding (the last override that covers it wins); None: as is."""
        chosen = self.rules.get(d.rule)
        for override in self.overrides:
            if d.rule in override.rules and override.covers(d):
                chosen = override.rules[d.rule]
        return chosen

    def quiets(self, d: Diagnostic, *, baseline: bool = True) -> bool:
        """Whether the team silenced a finding: its rule is off there, or (with `baseline`) the
        baseline knows it."""
        return (baseline and key(d) in self.baseline) or (bool(d.rule) and self.level(d) == "off")

    def apply(
        self, diagnostics: Iterable[Diagnostic], *, baseline: bool = True
    ) -> list[Diagnostic]:
        """The findings at their configured severity, without those turned off or in the baseline."""
        out = []
        for d in diagnostics:
            if self.quiets(d, baseline=baseline):
                continue
            level = self.level(d) if d.rule else None
            if level is not None and level != d.severity.value:
                d = dataclasses.replace(d, severity=Severity(level))
            out.append(d)
        return out


def key(d: Diagnostic) -> BaselineKey:
    return (d.rule, d.file, d.pointer)


def _under(pointer: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return pointer == prefix or pointer.startswith(prefix + "/") or prefix in ("", "#")


def load_policy(root: Path | None = None) -> LintPolicy:
    """The policy `[tool.apiforge.lint]` of `root`'s pyproject.toml sets (none: the defaults)."""
    from apiforge.config import lint_settings
    from apiforge.validate.lint.registry import RULES

    root = (root or Path.cwd()).resolve()
    return parse_policy(lint_settings(root), root, RULES)


def parse_policy(table: Mapping[str, Any], root: Path, known: Iterable[str]) -> LintPolicy:
    """`[tool.apiforge.lint]` -> LintPolicy; a misspelt rule or level is a usage error (exit 2)."""
    known = set(known)
    for name in table:
        if name not in ("rules", "overrides", "baseline"):
            raise UsageError(
                f"[tool.apiforge.lint]: unknown key {name!r} (rules, overrides, baseline)"
            )
    rules = _levels(table.get("rules", {}), "[tool.apiforge.lint] rules", known)
    overrides = []
    raw = table.get("overrides", [])
    if not isinstance(raw, list):
        raise UsageError("[tool.apiforge.lint] overrides must be an array of tables")
    for i, item in enumerate(raw):
        where = f"[tool.apiforge.lint] overrides[{i}]"
        if not isinstance(item, dict) or set(item) - {"files", "pointers", "rules"}:
            raise UsageError(f"{where}: a table of files, pointers and rules")
        files, pointers = (
            _strings(item.get("files", []), where),
            _strings(item.get("pointers", []), where),
        )
        overrides.append(Override(_levels(item.get("rules", {}), where, known), files, pointers))
    baseline: frozenset[BaselineKey] = frozenset()
    if table.get("baseline") is not None:
        if not isinstance(table["baseline"], str):
            raise UsageError("[tool.apiforge.lint] baseline is a file name")
        path = root / table["baseline"]
        if path.exists():  # none yet: `validate --write-baseline` writes it
            baseline = read_baseline(path)
    return LintPolicy(rules, tuple(overrides), baseline)


def _levels(raw: Any, where: str, known: set[str]) -> dict[str, Level]:
    if not isinstance(raw, dict):
        raise UsageError(f'{where}: a table of rule = "error" | "warning" | "off"')
    out: dict[str, Level] = {}
    for name, level in raw.items():
        if name not in known:
            raise UsageError(f"{where}: unknown rule {name!r} (`apiforge rules` lists them)")
        if level not in LEVELS:
            raise UsageError(f'{where}: {name} = {level!r}; use "error", "warning" or "off"')
        out[name] = level
    return out


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise UsageError(f"{where}: files and pointers are lists of strings")
    return tuple(raw)


def read_baseline(path: Path) -> frozenset[BaselineKey]:
    """The findings a baseline file records; unreadable or malformed: a usage error."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        found = data["findings"]
        return frozenset((str(f["rule"]), str(f["file"]), str(f["pointer"])) for f in found)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"cannot read the lint baseline {path}: {exc}") from None


def baseline_text(diagnostics: Iterable[Diagnostic]) -> str:
    """A baseline file: sorted, one finding per line, no line numbers, byte-identical per run."""
    keys = sorted({key(d): d.message for d in diagnostics}.items())
    rows = [
        json.dumps({"rule": r, "file": f, "pointer": p, "message": m}, ensure_ascii=False)
        for (r, f, p), m in keys
    ]
    body = ",\n    ".join(rows)
    return (
        f'{{\n  "version": {BASELINE_VERSION},\n  "findings": [\n    {body}\n  ]\n}}\n'
        if rows
        else (f'{{\n  "version": {BASELINE_VERSION},\n  "findings": []\n}}\n')
    )
