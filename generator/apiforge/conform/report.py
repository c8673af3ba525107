"""A conform Report as text, JSON, JUnit XML or Markdown; byte-identical for the same findings."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from apiforge.conform.checks import CHECKS, Finding
from apiforge.conform.runner import Report
from apiforge.document.bundle import Bundle

__all__ = ["FORMATS"]

Formatter = Callable[[Report, Bundle], str]
API_KEY_VARIABLE = "APIFORGE_API_KEY"


def text(report: Report, bundle: Bundle) -> str:
    """Each finding once: `FILE:LINE:COL: error: MESSAGE [check] (at POINTER)`, then a curl line."""
    lines = []
    for f in report.findings:
        loc = bundle.locate(f.pointer)
        source = bundle.source(f.pointer).pointer
        lines.append(
            f"{loc.file}:{loc.line}:{loc.col}: {f.severity}: {f.operation}: {f.message}"
            f" [{f.check}] (at {source})"
        )
        lines.append(f"  {curl(f)}")
    return "".join(line + "\n" for line in lines)


def as_json(report: Report, bundle: Bundle) -> str:
    out = {
        "findings": [
            {
                "check": f.check,
                "severity": f.severity,
                "operation": f.operation,
                "message": f.message,
                "request": {
                    "method": f.request.method,
                    "url": f.request.url,
                    "body": f.request.body,
                },
                "pointer": f.pointer,
            }
            for f in report.findings
        ],
        "requests": report.requests,
        "checks": [
            {
                "id": c.id,
                "severity": c.severity,
                "summary": c.summary,
                "findings": sum(f.check == c.id for f in report.findings),
            }
            for c in CHECKS
        ],
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


def junit(report: Report, bundle: Bundle) -> str:
    """One test case per check and operation: failed, passed, or skipped where nothing ran it."""
    cases: list[str] = []
    failures = skipped = 0
    for operation in report.operations:
        for check in CHECKS:
            found = [f for f in report.findings if f.check == check.id and f.operation == operation]
            head = f"  <testcase classname={quoteattr(operation)} name={quoteattr(check.id)}"
            errors = [f for f in found if f.severity == "error"]
            if errors:
                failures += 1
                body = "\n".join(f"{f.message}\n{curl(f)}" for f in found)
                cases.append(
                    f"{head}>\n    <failure message={quoteattr(errors[0].message)}>"
                    f"{escape(body)}</failure>\n  </testcase>"
                )
            elif (check.id, operation) not in report.exercised:
                skipped += 1
                cases.append(
                    f'{head}>\n    <skipped message="no request exercised it"/>\n  </testcase>'
                )
            else:
                out = "".join(f"\n    <system-out>{escape(f.message)}</system-out>" for f in found)
                cases.append(f"{head}>{out}\n  </testcase>" if out else f"{head}/>")
    header = (
        f'<testsuite name="apiforge conform" tests="{len(cases)}" failures="{failures}"'
        f' errors="0" skipped="{skipped}">'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        + "\n".join([header, *cases, "</testsuite>"])
        + "\n"
    )


def markdown(report: Report, bundle: Bundle) -> str:
    lines = [f"## apiforge conform: {report.base_url}", ""]
    errors = sum(f.severity == "error" for f in report.findings)
    lines.append(
        f"{len(report.findings)} finding(s), {errors} error(s), in {report.requests} request(s)."
    )
    if report.findings:
        lines += ["", "| check | severity | operation | finding | spec |", "|---|---|---|---|---|"]
        for f in report.findings:
            loc = bundle.locate(f.pointer)
            cells = [f"`{f.check}`", f.severity, f.operation, f.message, f"{loc.file}:{loc.line}"]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def curl(f: Finding) -> str:
    """A shell line that sends the request again; the key is read from $APIFORGE_API_KEY."""
    parts = ["curl", "-sS", "-X", f.request.method, shlex.quote(f.request.url)]
    key = f"${API_KEY_VARIABLE}"
    kind, name = f.request.credentials or ("", "")
    if kind == "bearer":
        parts += ["-H", f'"{name}: Bearer {key}"']
    elif kind == "basic":
        parts += ["-H", f'"{name}: Basic $(printf %s "{key}" | base64)"']
    elif kind == "header":
        parts += ["-H", f'"{name}: {key}"']
    elif kind == "query":
        parts += ["--url-query", f'"{name}={key}"']
    if f.request.body is not None:
        parts += [
            "-H",
            "'Content-Type: application/json'",
            "-d",
            shlex.quote(json.dumps(f.request.body, separators=(",", ":"))),
        ]
    return " ".join(parts)


def _cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


FORMATS: dict[str, Formatter] = {
    "text": text,
    "json": as_json,
    "junit": junit,
    "markdown": markdown,
}
