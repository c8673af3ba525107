"""The `conform` command: arguments checked, the spec read, the endpoint checked, the report printed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit

from apiforge.findings.diagnostic import UsageError

__all__ = ["conform"]


def conform(args: argparse.Namespace) -> int:
    """0: no error-level finding; 1: at least one (or an unreadable spec); 2: usage, unreachable."""
    from apiforge.conform.contract import read
    from apiforge.conform.report import FORMATS
    from apiforge.conform.runner import Options, Unreachable, run
    from apiforge.document.bundle import load_bundle
    from apiforge.document.files import display_path

    base_url = _base_url(args.base_url)
    if args.max_requests < 1:
        raise UsageError(f"--max-requests must be at least 1, not {args.max_requests}")
    if not 0 < args.timeout <= 3600:
        raise UsageError(f"--timeout must be more than 0 and at most 3600 s, not {args.timeout}")
    spec = _spec(args.spec)
    bundle = load_bundle(spec, display_path(spec))
    contract = read(bundle)
    known = [op.operation_id for op in contract.operations]
    unknown = [name for name in args.operations if name not in known]
    if unknown:
        raise UsageError(
            f"no operation {', '.join(unknown)} in {display_path(spec)} (it has: {', '.join(known)})"
        )
    options = Options(
        base_url, args.api_key, args.model, tuple(args.operations), args.max_requests, args.timeout
    )
    try:
        report = run(contract, options)
    except Unreachable as exc:
        print(f"apiforge: error: {exc}", file=sys.stderr)
        return 2
    sys.stdout.write(FORMATS[args.format](report, bundle))
    errors = sum(f.severity == "error" for f in report.findings)
    why = "--max-requests" if report.requests >= args.max_requests else "timeouts in a row"
    left = f"; {report.not_sent} request(s) not sent ({why})" if report.not_sent else ""
    print(
        f"apiforge: conform: {len(report.findings)} finding(s), {errors} error(s), in"
        f" {report.requests} request(s) to {base_url}{left}",
        file=sys.stderr,
    )
    return 0 if report.ok else 1


def _base_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"BASE_URL must be an http:// or https:// URL, not {text!r}")
    if parts.query or parts.fragment:
        raise UsageError(f"BASE_URL must have no query or fragment: {text!r}")
    return text.rstrip("/")


def _spec(spec: Path | None) -> Path:
    """The named document, else the only one in the spec folder."""
    if spec is not None:
        if not spec.is_file():
            raise UsageError(f"{spec}: no such file")
        return spec
    from apiforge.config import load_config

    found = load_config().default_specs()
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise UsageError(f"the spec folder has {len(found)} documents ({names}); name one as SPEC")
    return found[0]
