"""Render a `DiffResult` as text, JSON, GitHub Actions annotations or a Markdown changelog."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from apiforge.diff.documents import Change, Declaration, DeclarationError, DiffResult, SourcePlace
from apiforge.findings.diagnostic import Diagnostic, Severity
from apiforge.findings.printer import annotation, escape_data, merged, plural

__all__ = [
    "FORMATS",
    "findings_of",
    "format_github",
    "format_json",
    "format_markdown",
    "format_refusal",
    "format_text",
    "summary",
]

UNUSED = "unused-declaration"
MALFORMED = "malformed-declaration"


def summary(result: DiffResult) -> str:
    """One line: `3 changes: 2 breaking (1 undeclared, 1 declared), 1 non-breaking`."""
    text = (
        f"{len(result.changes)} change{'s' * (len(result.changes) != 1)}: "
        f"{len(result.breaking)} breaking ({len(result.undeclared_breaking)} undeclared, "
        f"{len(result.declared_breaking)} declared), {len(result.non_breaking)} non-breaking"
    )
    if result.unused_declarations:
        text += f", {len(result.unused_declarations)} unused declaration(s)"
    if result.errors:
        text += f", {len(result.errors)} malformed declaration(s)"
    return text


def _where(change: Change) -> SourcePlace | None:
    return change.new_location or change.old_location


def _place(location: SourcePlace | None) -> str:
    return f"{location.file}:{location.line}:{location.col}: " if location else ""


def _level(change: Change) -> str:
    if not change.breaking:
        return "info"
    return "warning" if change.declared else "error"


def _reason(change: Change) -> str:
    return "; ".join(d.reason for d in change.declarations)


def _groups(result: DiffResult) -> tuple[tuple[Change, ...], ...]:
    return result.undeclared_breaking, result.declared_breaking, result.non_breaking


def format_text(result: DiffResult, *, non_breaking: bool = True) -> str:
    """Diagnostic lines `file:line:col: level: message [kind] (at pointer)`, then a summary.

    Warnings about the comparison itself come first: they say how to read what follows.
    """
    lines = [f"warning: {w}" for w in result.warnings]
    for group in _groups(result)[: 3 if non_breaking else 2]:
        for c in group:
            declared = f" (declared: {_reason(c)})" if c.declared else ""
            lines.append(
                f"{_place(_where(c))}{_level(c)}: {c.message}{declared} [{c.kind}] (at {c.pointer})"
            )
    for d in result.unused_declarations:
        lines.append(
            f"{_place(d.location)}warning: declaration matches no breaking change [{UNUSED}]"
            f" (at {d.pointer})"
        )
    for e in result.errors:
        lines.append(f"{_place(e.location)}error: {e.message} [{MALFORMED}] (at {e.pointer})")
    lines.append(summary(result))
    return "\n".join(lines) + "\n"


def _location_json(location: SourcePlace | None) -> dict[str, Any] | None:
    if location is None:
        return None
    return {"file": location.file, "line": location.line, "col": location.col}


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "kind": change.kind,
        "breaking": change.breaking,
        "declared": change.declared,
        "reason": _reason(change) or None,
        "subject": change.subject,
        "message": change.message,
        "old_pointer": change.old_pointer,
        "new_pointer": change.new_pointer,
        "old_location": _location_json(change.old_location),
        "new_location": _location_json(change.new_location),
    }


def _declaration_json(d: Declaration) -> dict[str, Any]:
    return {
        "pointer": d.pointer,
        "kind": d.kind,
        "reason": d.reason,
        "location": _location_json(d.location),
    }


def _error_json(e: DeclarationError) -> dict[str, Any]:
    return {"pointer": e.pointer, "message": e.message, "location": _location_json(e.location)}


def format_json(result: DiffResult) -> str:
    """A stable document: every change, the declarations left unused, errors and counts."""
    body = {
        "summary": {
            "changes": len(result.changes),
            "breaking": len(result.breaking),
            "undeclared_breaking": len(result.undeclared_breaking),
            "declared_breaking": len(result.declared_breaking),
            "non_breaking": len(result.non_breaking),
            "unused_declarations": len(result.unused_declarations),
            "errors": len(result.errors),
            "ok": result.ok,
            "compared": True,
        },
        "changes": [_change_json(c) for c in result.changes],
        "unused_declarations": [_declaration_json(d) for d in result.unused_declarations],
        "errors": [_error_json(e) for e in result.errors],
        "warnings": list(result.warnings),
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _annotation(level: str, location: SourcePlace | None, title: str, message: str) -> str:
    if location is None:
        return annotation(level, None, 0, 0, title, message)
    return annotation(level, location.file, location.line, location.col, title, message)


def format_github(result: DiffResult) -> str:
    """Workflow commands: `::error` for undeclared breaks, `::warning` for everything else."""
    lines = [f"::warning::{escape_data(w)}" for w in result.warnings]  # not tied to a file
    for group in _groups(result):
        for c in group:
            level = "error" if c.breaking and not c.declared else "warning"
            message = c.message + (f" (declared breaking: {_reason(c)})" if c.declared else "")
            lines.append(_annotation(level, _where(c), c.kind, message))
    for d in result.unused_declarations:
        message = f"declaration {d.pointer} matches no breaking change; remove it"
        lines.append(_annotation("warning", d.location, UNUSED, message))
    for e in result.errors:
        lines.append(_annotation("error", e.location, MALFORMED, f"{e.message} (at {e.pointer})"))
    lines.append(f"apiforge diff: {summary(result)}")
    return "\n".join(lines) + "\n"


def format_markdown(result: DiffResult) -> str:
    """A release-notes changelog with one section per verdict."""
    out = ["# API changes", "", summary(result) + "."]
    for w in result.warnings:
        out += ["", f"> **Warning:** {w}"]
    titles = ("Breaking changes", "Declared breaking changes", "Other changes")
    for title, group in zip(titles, _groups(result), strict=True):
        out += ["", f"## {title}", ""]
        for c in group:
            reason = f" — {_reason(c)}" if c.declared else ""
            out.append(f"- {c.subject}: {c.detail}{reason} (`{c.kind}`)")
        if not group:
            out.append("_None._")
    if result.unused_declarations or result.errors:
        out += ["", "## Declaration problems", ""]
        for d in result.unused_declarations:
            out.append(f"- `{d.pointer}`: matches no breaking change (`{UNUSED}`)")
        for e in result.errors:
            out.append(f"- `{e.pointer}`: {e.message} (`{MALFORMED}`)")
    return "\n".join(out) + "\n"


def findings_of(result: DiffResult, spec: str, *, breaking: bool = True) -> list[Diagnostic]:
    """What `check --base` prints of a comparison: what fails it, and what needs a look."""
    out = [_finding(spec, None, Severity.WARNING, w, "", "diff") for w in result.warnings]
    if breaking:
        out += [breaking_finding([(spec, c)]) for c in result.undeclared_breaking]
    for d in result.unused_declarations:
        message = "declaration matches no breaking change"
        out.append(_finding(spec, d.location, Severity.WARNING, message, d.pointer, UNUSED))
    for e in result.errors:
        out.append(_finding(spec, e.location, Severity.ERROR, e.message, e.pointer, MALFORMED))
    return out


def breaking_finding(found: list[tuple[str, Change]]) -> Diagnostic:
    """One undeclared breaking change, found through one spec or several (a shared file): the
    first spec's words, the others' subjects after `also`, and every spec named."""
    spec, first = found[0]
    message = first.message
    others = list(dict.fromkeys(c.subject for _, c in found[1:] if c.subject != first.subject))
    if others:
        message += f"; also {', '.join(others)}"
    specs = tuple(sorted({s for s, _ in found}))
    where = _where(first)
    made = _finding(spec, where, Severity.ERROR, message, first.pointer, first.kind)
    return dataclasses.replace(made, specs=specs)


def _finding(
    spec: str, at: SourcePlace | None, severity: Severity, message: str, pointer: str, rule: str
) -> Diagnostic:
    if at is None:
        return Diagnostic(spec, 0, 0, severity, message, pointer, rule, specs=(spec,))
    return Diagnostic(at.file, at.line, at.col, severity, message, pointer, rule, specs=(spec,))


def format_refusal(errors: list[Diagnostic], fmt: str) -> str:
    """Documents that could not be compared, in the format asked for: bad input, not a change."""
    errors = merged(errors)
    said = f"not compared: {plural(len(errors), 'error')} in the input documents"
    if fmt == "json":
        entries = [
            {
                "pointer": e.pointer or None,
                "message": e.message,
                "rule": e.rule or None,
                "location": {"file": e.file, "line": e.line or None, "col": e.col or None},
            }
            for e in errors
        ]
        counts = dict.fromkeys(
            ("changes", "breaking", "undeclared_breaking", "declared_breaking", "non_breaking"), 0
        )
        body = {
            "summary": {
                **counts,
                "unused_declarations": 0,
                "errors": len(errors),
                "ok": False,
                "compared": False,
            },
            "changes": [],
            "unused_declarations": [],
            "errors": entries,
            "warnings": [],
        }
        return json.dumps(body, indent=2, sort_keys=True) + "\n"
    if fmt == "github":
        lines = [
            annotation("error", e.file, e.line, e.col, e.rule or "apiforge", _with_pointer(e))
            for e in errors
        ]
        return "\n".join([*lines, f"apiforge diff: {said}"]) + "\n"
    if fmt == "markdown":
        out = [
            "# API changes",
            "",
            f"Not compared: {plural(len(errors), 'error')} in the input documents.",
            "",
        ]
        out += [f"- `{_place_of(e)}`: {e.message} (`{e.rule or 'apiforge'}`)" for e in errors]
        return "\n".join(out) + "\n"
    return "".join(e.format() + "\n" for e in errors) + f"{said}\n"


def _with_pointer(e: Diagnostic) -> str:
    return f"{e.message} (at {e.pointer})" if e.pointer else e.message


def _place_of(e: Diagnostic) -> str:
    return f"{e.file}:{e.line}:{e.col}" if e.line > 0 else e.file


FORMATS: dict[str, Callable[[DiffResult], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
    "markdown": format_markdown,
}
