"""apiforge validate | generate | check | diff | serve.

Errors become one message and an exit code (0 ok, 1 bad input or failed check, 2 usage or I/O);
never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from apiforge import __version__
from apiforge.config import load_config
from apiforge.diagnostics import Diagnostic, SpecError, UsageError, has_errors
from apiforge.lint import lint_bundle
from apiforge.resolve import Bundle, load_bundle
from apiforge.validate import validate_bundle

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help is 0, bad usage is 2
        return int(exc.code or 0)
    try:
        code: int = args.run(args)
        return code
    except UsageError as exc:
        print(f"apiforge: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SpecError as exc:
        print_diagnostics(exc.diagnostics)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("apiforge: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user
        print(f"apiforge: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apiforge", description="Validate, generate and guard OpenAPI documents."
    )
    parser.add_argument("--version", action="version", version=f"apiforge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check documents against OpenAPI and our lint")
    validate.add_argument("specs", nargs="*", type=Path, metavar="SPEC")
    validate.set_defaults(run=cmd_validate)
    return parser


def spec_paths(specs: Sequence[Path]) -> list[Path]:
    """The documents named, or every top-level document in spec/; a missing file is exit 2."""
    if not specs:
        return load_config().default_specs()
    for spec in specs:
        if not spec.is_file():
            raise UsageError(f"{spec}: no such file")
    return list(specs)


def check_spec(path: Path) -> tuple[Bundle | None, list[Diagnostic]]:
    """Load, resolve, validate and lint one document: the bundle (if it loads) and diagnostics."""
    try:
        bundle = load_bundle(path, _display(path))
    except SpecError as exc:
        return None, exc.diagnostics
    return bundle, validate_bundle(bundle) + lint_bundle(bundle)


def cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    paths = spec_paths(args.specs)
    for path in paths:
        _, diagnostics = check_spec(path)
        print_diagnostics(diagnostics)
        failed += has_errors(diagnostics)
    ok = len(paths) - failed
    print(f"apiforge: {ok} of {len(paths)} document(s) valid", file=sys.stderr)
    return EXIT_INVALID if failed else EXIT_OK


def print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        print(diagnostic.format())


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
