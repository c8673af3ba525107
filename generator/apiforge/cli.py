"""apiforge validate | rules | generate | check | diff | serve | conform: arguments in, the package's
answer printed, an exit code out. The work is the package's (validate.spec, pipeline, guard.check,
diff.base, watch, serve, conform).

Errors become one message and an exit code (0 ok, 1 bad input or failed check, 2 usage or I/O, or
a document `diff` cannot compare); never a traceback. Findings and summaries go to stdout, through
one printer (findings/printer.py); stderr carries only progress and errors about the invocation
itself.
Heavy imports happen inside the commands, so `check` on an unchanged tree answers in a fraction of
a second.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from apiforge import __version__
from apiforge.findings.diagnostic import Diagnostic, SpecError, UsageError
from apiforge.findings.printer import plural

if TYPE_CHECKING:
    from apiforge.config import Config
    from apiforge.guard.freshness import Freshness
    from apiforge.pipeline import BuiltPackage

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):  # a spec's text must not crash a narrow terminal
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help is 0, bad usage is 2
        return int(exc.code or 0)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("apiforge: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # never a traceback for the user
        message = f"{type(exc).__name__}: {exc}"
        print(
            f"apiforge: internal error ({message}); this is a bug in apiforge, please report it",
            file=sys.stderr,
        )
        return EXIT_INVALID


# Commands that walk documents, run where recursion has room for 1,000 levels of nesting; `serve`
# and `generate --watch` stay on the main thread (signals), and a watch runs each build deep.
_DEEP_COMMANDS = frozenset({"validate", "generate", "check", "diff", "conform"})
_VALIDATING_COMMANDS = frozenset({"validate", "generate", "check"})


# One pass over documents, then exit: what they allocate (millions of dicts, lists and strings for
# a 3 MB document) is freed by reference counting, and the cycle collector's passes over the
# growing heap cost a fifth of `validate`'s time on OpenAI's document (bench/lint.py) and free
# nothing of note (its peak memory is the same). Long-lived work (`serve`, `--watch`, `conform`'s
# client loops) keeps the collector.
_ONE_SHOT_COMMANDS = frozenset({"validate", "generate", "check", "diff"})


@contextlib.contextmanager
def _no_cycle_collector(wanted: bool) -> Iterator[None]:
    was_enabled = gc.isenabled()
    if wanted:
        gc.disable()
    try:
        yield
    finally:
        if wanted and was_enabled:
            gc.enable()


def _run(args: argparse.Namespace) -> int:
    """The command, and whatever it opened (the model worker) closed when it is done."""
    with contextlib.ExitStack() as opened:
        return _run_command(args, opened)


def _run_command(args: argparse.Namespace, opened: contextlib.ExitStack) -> int:
    try:
        if args.command == "generate" and not args.watch:
            args.freshness = _freshness(args)  # an up-to-date tree needs no worker, no pipeline
            if args.freshness.stale:
                from apiforge.models.worker import ModelWorker

                # forked before any thread; the child imports the model library meanwhile
                args.model_worker = opened.enter_context(ModelWorker())
        if args.command in _VALIDATING_COMMANDS:
            from apiforge.validate.fast import preload

            preload()  # on the main thread (see fast_validator._rust_module)
        if args.command in _DEEP_COMMANDS and not getattr(args, "watch", False):
            from apiforge.deep_stack import run_deep

            with _no_cycle_collector(args.command in _ONE_SHOT_COMMANDS):
                code: int = run_deep(lambda: args.run(args))
        else:
            code = args.run(args)
        return code
    except UsageError as exc:
        print(f"apiforge: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # a folder that cannot be written, a disk that is full, ...
        where = f" {exc.filename}" if exc.filename else ""
        print(f"apiforge: error: I/O error{where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except SpecError as exc:
        quiet = args.command == "generate" and args.quiet  # errors only, no repair warnings
        print_diagnostics([d for d in exc.diagnostics if d.is_error or not quiet])
        if args.command == "generate":
            errors = sum(d.is_error for d in exc.diagnostics)
            print(f"apiforge: nothing was written: {plural(errors, 'error')}")
        return EXIT_INVALID


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apiforge", description="Validate, generate and guard OpenAPI documents."
    )
    parser.add_argument("--version", action="version", version=f"apiforge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check documents against OpenAPI and our lint")
    validate.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record today's findings (rule, file, pointer) so that only new ones count",
    )
    validate.add_argument("specs", nargs="*", type=Path, metavar="SPEC")
    validate.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    validate.set_defaults(run=cmd_validate)

    rules = sub.add_parser("rules", help="list every lint rule: id, default severity, summary")
    rules.set_defaults(run=cmd_rules)

    generate = sub.add_parser("generate", help="write models, client and server packages")
    generate.add_argument("specs", nargs="*", type=Path, metavar="SPEC")
    generate.add_argument("--out", type=Path, help="output folder (default: generated/)")
    generate.add_argument("--quiet", "-q", action="store_true", help="no progress, only a summary")
    generate.add_argument("--templates", metavar="DIR", help="templates that replace ours by name")
    generate.add_argument(
        "--no-cache", action="store_true", help="run the model generator even where cached"
    )
    generate.add_argument(
        "--watch", action="store_true", help="regenerate whenever a spec changes (Ctrl-C stops)"
    )
    generate.set_defaults(run=cmd_generate)

    check = sub.add_parser("check", help="validate, lint, and confirm generated/ is up to date")
    check.add_argument("specs", nargs="*", type=Path, metavar="SPEC")
    check.add_argument("--out", type=Path, help="output folder (default: generated/)")
    check.add_argument("--templates", metavar="DIR", help="templates that replace ours by name")
    check.add_argument("--base", metavar="GIT_REF", help="also refuse undeclared breaking changes")
    check.add_argument(
        "--skip-missing-base",
        action="store_true",
        help="when GIT_REF does not exist (a new clone, no remote), warn and skip that check",
    )
    check.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    check.set_defaults(run=cmd_check)

    diff = sub.add_parser(
        "diff", help="compare two documents; exit 1 on undeclared breaking changes"
    )
    diff.add_argument("old", type=Path, metavar="OLD")
    diff.add_argument("new", type=Path, metavar="NEW")
    diff.add_argument("--format", choices=("text", "json", "github", "markdown"), default="text")
    diff.set_defaults(run=cmd_diff)

    serve = sub.add_parser("serve", help="run a generated server with a built-in mock model")
    serve.add_argument("name", help="package name under generated/ (e.g. gateway)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--api-key", action="append", default=[], metavar="KEY", dest="api_keys")
    serve.add_argument("--rate-limit", type=float, metavar="N", help="requests per second")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument(
        "--out", type=Path, help="folder of generated packages (default: generated/)"
    )
    serve.set_defaults(run=cmd_serve)

    conform = sub.add_parser(
        "conform", help="check a live endpoint against its spec (streams and chat included)"
    )
    conform.add_argument("base_url", metavar="BASE_URL", help="where the spec's paths are served")
    conform.add_argument("spec", nargs="?", type=Path, metavar="SPEC")
    conform.add_argument("--api-key", metavar="KEY", help="credentials for the spec's security")
    conform.add_argument("--model", metavar="NAME", help="the model to ask (default: the spec's)")
    conform.add_argument(
        "--operation", action="append", default=[], metavar="OPERATION_ID", dest="operations"
    )
    conform.add_argument("--format", choices=("text", "json", "junit", "markdown"), default="text")
    conform.add_argument("--max-requests", type=int, default=100, metavar="N")
    conform.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS")
    conform.set_defaults(run=cmd_conform)
    return parser


def cmd_conform(args: argparse.Namespace) -> int:
    from apiforge.conform.command import conform

    return conform(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from apiforge.serve import serve

    return serve(args)


def cmd_rules(args: argparse.Namespace) -> int:
    from apiforge.validate.lint import RULES

    width = max(len(rule_id) for rule_id in RULES)
    for rule_id in sorted(RULES):
        rule = RULES[rule_id]
        print(f"{rule_id:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return EXIT_OK


def _write_baseline(args: argparse.Namespace) -> int:
    """`validate --write-baseline FILE`: every finding today, whole or not at all, exit 0."""
    from apiforge.document.files import display_path
    from apiforge.validate.spec import write_baseline

    paths = spec_paths(args.specs)
    written = write_baseline(paths, args.write_baseline)
    shown = display_path(args.write_baseline)
    print(f"apiforge: wrote {written} finding(s) of {len(paths)} document(s) to {shown}")
    return EXIT_OK


def spec_paths(specs: Sequence[Path]) -> list[Path]:
    """The documents named, or every top-level document in spec/; a missing file is exit 2."""
    if not specs:
        from apiforge.config import load_config

        return load_config().default_specs()
    for spec in specs:
        if spec.is_dir():
            raise UsageError(f"{spec}: is a directory; name the documents (e.g. {spec}/*.yaml)")
        if not spec.is_file():
            raise UsageError(f"{spec}: no such file")
    return list(specs)


def cmd_validate(args: argparse.Namespace) -> int:
    from apiforge.validate.spec import validate_specs

    if args.write_baseline is not None:  # instead of reporting
        return _write_baseline(args)
    paths = spec_paths(args.specs)
    verdicts = validate_specs(paths)
    valid = len(paths) - len(verdicts.invalid)
    summary = f"apiforge: {valid} of {len(paths)} document(s) valid"
    facts = {"documents": len(paths), "valid": valid, "ok": not verdicts.invalid}
    _print_findings(verdicts.findings, args.format, summary, facts)
    return EXIT_INVALID if verdicts.invalid else EXIT_OK


def _print_findings(
    found: list[Diagnostic], fmt: str, summary: str, facts: Mapping[str, object]
) -> None:
    """Each finding once, counted in the summary, in the format asked for (all on stdout)."""
    from apiforge.findings.printer import count, merged, render

    findings = merged(found)
    errors, warnings = count(findings)
    if findings:
        summary += f"; {plural(errors, 'error')}, {plural(warnings, 'warning')}"
    facts = {**facts, "errors": errors, "warnings": warnings}
    sys.stdout.write(render(findings, fmt, summary, facts))


def _config(args: argparse.Namespace) -> Config:
    from apiforge.config import load_config

    return load_config(out_dir=str(args.out) if args.out else None, templates=args.templates)


def _freshness(args: argparse.Namespace) -> Freshness:
    from apiforge.guard.freshness import split_fresh

    config = _config(args)
    return split_fresh(spec_paths(args.specs), config.out_dir, config.templates)


def cmd_generate(args: argparse.Namespace) -> int:
    config = _config(args)
    show = sys.stderr.isatty() and not args.quiet

    def progress(step: str) -> None:
        if show:
            print(f"apiforge: {step}", file=sys.stderr, flush=True)

    def generate_once() -> list[str]:
        """Generate what is stale; returns what was skipped (for a watch's report)."""
        freshness = getattr(args, "freshness", None) or _freshness(args)
        args.freshness = None  # a watch's next run looks again
        for name in freshness.fresh_names():
            print(f"apiforge: {name}: up to date")
        skipped = [f"{name} (up to date)" for name in freshness.fresh_names()]
        if not freshness.stale:
            return skipped
        from apiforge.models.cache import load_cache
        from apiforge.pipeline import generate

        cache = load_cache(config.root, disabled=args.no_cache)
        stale = list(freshness.stale)
        built = generate(
            stale,
            config.out_dir,
            progress,
            templates=config.templates,
            method_names=config.names,
            cache=cache,
            worker=getattr(args, "model_worker", None),
        )
        _summarize(built, config.out_dir, quiet=args.quiet)
        skipped += [f"{p.name}'s model generator (cached models)" for p in built if p.models_cached]
        unchanged = sum(p.unchanged for p in built)
        if unchanged:
            skipped.append(f"{unchanged} unchanged file(s)")
        return skipped

    if args.watch:
        from apiforge.watch import watch, watched_folders

        return watch(generate_once, watched_folders(args.specs, config), config.out_dir)
    generate_once()
    return EXIT_OK


def _summarize(built: list[BuiltPackage], out_dir: Path, *, quiet: bool = False) -> None:
    """What was written; the warnings too, unless `--quiet` (then only counted)."""
    from apiforge.document.files import display_path
    from apiforge.findings.printer import merged

    warnings = merged(w for p in built for w in p.warnings)
    if not quiet:
        print_diagnostics(warnings)
    files = sum(len(p.files) for p in built)
    unchanged = sum(p.unchanged for p in built)
    kept = f" ({unchanged} unchanged, not rewritten)" if unchanged else ""
    names = ", ".join(p.name for p in built)
    where = display_path(out_dir)
    said = f"apiforge: wrote {len(built)} package(s) ({names}), {files} files{kept}, to {where}/"
    if warnings:
        said += f"; {plural(len(warnings), 'warning')}" + (" (not shown: --quiet)" if quiet else "")
    print(said)


def cmd_check(args: argparse.Namespace) -> int:
    from apiforge.guard.check import check

    result = check(
        spec_paths(args.specs),
        _config(args),
        orphans=not args.specs,  # every spec there is: a package without one is left over
        base=args.base,
        skip_missing_base=args.skip_missing_base,
    )
    verdict = "check failed" if result.failed else "check passed"
    summary = f"apiforge: {verdict}: {result.said()}"
    _print_findings(
        result.findings, args.format, summary, {**result.facts(), "ok": not result.failed}
    )
    return EXIT_INVALID if result.failed else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from apiforge.diff.base import compare_files
    from apiforge.diff.report import FORMATS, format_refusal

    try:
        result = compare_files(args.old, args.new)
    except SpecError as exc:  # bad input is not a breaking change: exit 2, in the format asked for
        sys.stdout.write(format_refusal(exc.diagnostics, args.format))
        return EXIT_USAGE
    sys.stdout.write(FORMATS[args.format](result))
    return EXIT_OK if result.ok else EXIT_INVALID


def print_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    """Findings without a summary (a refused `generate`, its warnings), each once, on stdout."""
    from apiforge.findings.printer import merged, render

    sys.stdout.write(render(merged(diagnostics), "text", ""))
