"""Findings printed once, in the format the reader asked for: text, JSON, GitHub annotations, SARIF.

Every command that reports problems in documents (validate, generate, check, diff's bad input)
prints through `render`, so a finding looks the same wherever it comes from. All of it goes to
stdout; stderr carries only progress and errors about the invocation itself.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import Any

from apiforge.findings.diagnostic import Diagnostic, Severity

__all__ = [
    "FORMATS",
    "annotation",
    "count",
    "escape_data",
    "merged",
    "plural",
    "render",
    "sarif_log",
]

FORMATS = ("text", "json", "github", "sarif")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# What each rule that is not a lint rule checks (lint rules describe themselves in lint.RULES).
_RULE_HELP = {
    "openapi": "The document is valid under the OpenAPI specification's schema.",
    "load": "The document is readable YAML or JSON, safe to load, with refs that resolve.",
    "ref": "A $ref resolves inside the spec's folder.",
    "stale": "Generated code is exactly what the spec generates (run `apiforge generate`).",
    "breaking": "No undeclared breaking change since the base (declare it in x-apiforge-breaking).",
    "diff": "The two documents can be compared.",
    "unused-declaration": "Each declared breaking change (x-apiforge-breaking) matches a change.",
    "malformed-declaration": "Each x-apiforge-breaking entry names a pointer, a kind and a reason.",
}


def plural(n: int, word: str) -> str:
    """`1 error`, `2 errors`."""
    return f"{n} {word}{'s' * (n != 1)}"


def merged(findings: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each finding once, in the order first found; one found through several specs names them all."""
    seen: dict[tuple[Any, ...], Diagnostic] = {}
    for f in findings:
        key = (f.file, f.line, f.col, f.severity, f.message, f.rule, f.pointer, f.relaxed)
        first = seen.get(key)
        if first is None:
            seen[key] = f
        elif not set(f.specs) <= set(first.specs):
            specs = tuple(sorted(set(first.specs) | set(f.specs)))
            seen[key] = dataclasses.replace(first, specs=specs)
    return list(seen.values())


def count(findings: Iterable[Diagnostic]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for f in findings:
        if f.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def render(
    findings: list[Diagnostic], fmt: str, summary: str, facts: Mapping[str, Any] | None = None
) -> str:
    """The findings and the one-line summary; JSON and SARIF carry the summary inside the document."""
    if fmt == "json":
        facts = {**(facts or {}), "text": summary}
        body = {"findings": [_finding_json(f) for f in findings], "summary": facts}
        return json.dumps(body, indent=2, sort_keys=True) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif_log(findings, summary), indent=2, sort_keys=True) + "\n"
    line_of = _github if fmt == "github" else Diagnostic.format
    lines = [line_of(f) for f in findings]
    return "".join(line + "\n" for line in [*lines, summary] if line)


def _finding_json(f: Diagnostic) -> dict[str, Any]:
    return {
        "file": f.file,
        "line": f.line or None,
        "col": f.col or None,
        "severity": f.severity.value,
        "rule": f.rule or None,
        "message": f.message,
        "pointer": f.pointer or None,
        "relaxed": f.relaxed,
        "specs": list(f.specs),
    }


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, file: str | None, line: int, col: int, title: str, message: str) -> str:
    """A GitHub workflow command, escaped: spec text must not inject commands into CI logs."""
    props = []
    if file:
        props.append(f"file={_escape_property(file)}")
        if line > 0:
            props += [f"line={line}", f"col={col}"]
    props.append(f"title={_escape_property(title)}")
    return f"::{level} {','.join(props)}::{escape_data(message)}"


def _github(f: Diagnostic) -> str:
    level = "error" if f.is_error else "warning"
    where = f" (at {f.pointer})" if f.pointer else ""
    return annotation(level, f.file, f.line, f.col, f.rule or "apiforge", f"{f.text}{where}")


def _rule_help(rule_id: str) -> str:
    from apiforge.validate.lint import RULES

    check = RULES.get(rule_id)
    doc = (getattr(check, "__doc__", None) or "").strip().splitlines()
    if doc:
        return doc[0]
    if rule_id in _RULE_HELP:
        return _RULE_HELP[rule_id]
    from apiforge.diff import ALL_KINDS

    if rule_id in ALL_KINDS:
        return f"An undeclared breaking change: {rule_id.replace('-', ' ')}."
    return rule_id


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def sarif_log(findings: list[Diagnostic], summary: str) -> dict[str, Any]:
    """A SARIF 2.1.0 log of one run: rules by id, results at file, line and column."""
    rule_ids = sorted({f.rule or "apiforge" for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = [
        {"id": rule_id, "shortDescription": {"text": _rule_help(rule_id)}} for rule_id in rule_ids
    ]
    results = []
    for f in findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"}}
        if f.line > 0:
            location["region"] = {"startLine": f.line, "startColumn": max(f.col, 1)}
        place: dict[str, Any] = {"physicalLocation": location}
        if f.pointer:
            place["logicalLocations"] = [{"fullyQualifiedName": f.pointer, "kind": "object"}]
        rule_id = f.rule or "apiforge"
        results.append(
            {
                "ruleId": rule_id,
                "ruleIndex": index[rule_id],
                "level": _SARIF_LEVEL.get(f.severity, "note"),
                "message": {"text": f.text},
                "locations": [place],
            }
        )
    driver = {"name": "apiforge", "rules": rules}
    run = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the working folder"}}},
        "results": results,
        "properties": {"summary": summary},
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
