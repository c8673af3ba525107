"""apiforge validate | generate | check | diff | serve.

Errors become one message and an exit code (0 ok, 1 bad input or failed check, 2 usage or I/O);
never a traceback. Heavy imports happen inside the commands, so `check` on an unchanged tree
answers in a fraction of a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from apiforge import __version__
from apiforge.diagnostics import Diagnostic, SpecError, UsageError, has_errors

if TYPE_CHECKING:
    from apiforge.config import Config
    from apiforge.diff import DiffResult
    from apiforge.freshness import Freshness
    from apiforge.pipeline import BuiltPackage
    from apiforge.resolve import Bundle

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
_DEEP_COMMANDS = frozenset({"validate", "generate", "check", "diff"})
_VALIDATING_COMMANDS = frozenset({"validate", "generate", "check"})


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "generate" and not args.watch:
            args.freshness = _freshness(args)  # an up-to-date tree needs no worker, no pipeline
            if args.freshness.stale:
                from apiforge import model_worker

                model_worker.start()  # before any thread; imports the model library meanwhile
        if args.command in _VALIDATING_COMMANDS:
            from apiforge.fast_validator import preload

            preload()  # on the main thread (see fast_validator._rust_module)
        if args.command in _DEEP_COMMANDS and not getattr(args, "watch", False):
            from apiforge.deep_stack import run_deep

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
        print_diagnostics(exc.diagnostics)
        if args.command == "generate":
            print("apiforge: nothing was written", file=sys.stderr)
        return EXIT_INVALID
    finally:
        if "apiforge.model_worker" in sys.modules:
            sys.modules["apiforge.model_worker"].stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="apiforge", description="Validate, generate and guard OpenAPI documents."
    )
    parser.add_argument("--version", action="version", version=f"apiforge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = sub.add_parser("validate", help="check documents against OpenAPI and our lint")
    validate.add_argument("specs", nargs="*", type=Path, metavar="SPEC")
    validate.set_defaults(run=cmd_validate)

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
    check.add_argument("--format", choices=("text", "github"), default="text")
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
    return parser


def cmd_serve(args: argparse.Namespace) -> int:
    from apiforge.serve import serve

    return serve(args)


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


def check_spec(path: Path) -> tuple[Bundle | None, list[Diagnostic]]:
    """Load, resolve, validate and lint one document: the bundle (if it loads) and diagnostics."""
    from apiforge.lint import lint_bundle
    from apiforge.paths import display_path
    from apiforge.resolve import load_bundle
    from apiforge.validate import validate_bundle

    try:
        bundle = load_bundle(path, display_path(path))
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


def _config(args: argparse.Namespace) -> Config:
    from apiforge.config import load_config

    return load_config(out_dir=str(args.out) if args.out else None, templates=args.templates)


def _freshness(args: argparse.Namespace) -> Freshness:
    from apiforge.freshness import split_fresh

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
            print(f"apiforge: {name}: up to date", file=sys.stderr)
        skipped = [f"{name} (up to date)" for name in freshness.fresh_names()]
        if not freshness.stale:
            return skipped
        from apiforge.model_cache import load_cache
        from apiforge.pipeline import generate

        cache = load_cache(config.root, disabled=args.no_cache)
        stale = list(freshness.stale)
        built = generate(stale, config.out_dir, progress, templates=config.templates, cache=cache)
        _summarize(built, config.out_dir)
        skipped += [f"{p.name}'s model generator (cached models)" for p in built if p.models_cached]
        unchanged = sum(p.unchanged for p in built)
        if unchanged:
            skipped.append(f"{unchanged} unchanged file(s)")
        return skipped

    if args.watch:
        from apiforge.watch import watch

        return watch(
            _still_watching(generate_once), _watched_folders(args.specs, config), config.out_dir
        )
    generate_once()
    return EXIT_OK


def _still_watching(generate_once: Callable[[], list[str]]) -> Callable[[], list[str]]:
    """One run of a watch: bad input is reported, and the previous output stays as it was."""

    def attempt() -> list[str]:
        from apiforge.deep_stack import run_deep

        skipped: list[str] = []
        try:
            skipped = run_deep(generate_once)
        except SpecError as exc:
            print_diagnostics(exc.diagnostics)
            print("apiforge: nothing was written; watching for the next edit", file=sys.stderr)
        except UsageError as exc:
            print(f"apiforge: error: {exc}; watching for the next edit", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        return skipped

    return attempt


def _watched_folders(specs: Sequence[Path], config: Config) -> list[Path]:
    """Every spec's ref root (refs never leave it) and the templates; the spec folder's default."""
    from apiforge.config import folder_ref_root

    folders = (
        {folder_ref_root(p.parent) for p in specs} if specs else {folder_ref_root(config.spec_dir)}
    )
    if config.templates is not None:
        folders.add(config.templates)
    return sorted(folders)


def _summarize(built: list[BuiltPackage], out_dir: Path) -> None:
    from apiforge.paths import display_path

    for package in built:
        print_diagnostics(package.warnings)
    files = sum(len(p.files) for p in built)
    unchanged = sum(p.unchanged for p in built)
    kept = f" ({unchanged} unchanged, not rewritten)" if unchanged else ""
    names = ", ".join(p.name for p in built)
    where = display_path(out_dir)
    print(
        f"apiforge: wrote {len(built)} package(s) ({names}), {files} files{kept}, to {where}/",
        file=sys.stderr,
    )


def cmd_check(args: argparse.Namespace) -> int:
    from apiforge.check import find_stale, orphan_packages, proven_strictly_valid
    from apiforge.fingerprint import output_fingerprint
    from apiforge.format import ruff_config_for
    from apiforge.paths import display_path

    specs = spec_paths(args.specs)
    config = _config(args)
    out_dir = config.out_dir
    shown_out = display_path(out_dir)
    fingerprint = output_fingerprint(ruff_config_for(out_dir), config.templates)  # once per check
    problems = 0
    for spec in specs:  # strict, as `validate`, unless an unchanged manifest already proves it
        if not proven_strictly_valid(spec, out_dir, fingerprint):
            _, diagnostics = check_spec(spec)
            print_diagnostics(diagnostics, args.format)
            problems += has_errors(diagnostics)
    try:
        stale = find_stale(specs, out_dir, shown_out, fingerprint, config.templates)
    except SpecError as exc:
        print_diagnostics(exc.diagnostics, args.format)
        stale = []
        problems += 1
    if not args.specs:
        stale += orphan_packages(out_dir, specs, shown_out)
    for item in stale:
        print(item.format())
    problems += len(stale)
    if args.base:
        from apiforge.gitbase import MissingRef

        try:
            problems += _check_breaking(specs, args.base, args.format)
        except MissingRef as exc:
            if not args.skip_missing_base:
                raise
            print(f"apiforge: warning: {exc}; skipped the breaking-change check", file=sys.stderr)
    if problems:
        print(f"apiforge: check failed: {problems} problem(s)", file=sys.stderr)
        return EXIT_INVALID
    summary = f"{len(specs)} spec(s) valid, generated code up to date"
    print(f"apiforge: check passed: {summary}", file=sys.stderr)
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from apiforge.diff.report import FORMATS
    from apiforge.paths import display_path
    from apiforge.resolve import load_bundle

    for path in (args.old, args.new):
        if not path.is_file():
            raise UsageError(f"{path}: no such file")
    old = load_bundle(args.old, display_path(args.old))
    new = load_bundle(args.new, display_path(args.new))
    result = _compare(old, new)
    sys.stdout.write(FORMATS[args.format](result))
    return EXIT_OK if result.ok else EXIT_INVALID


def _compare(old: Bundle, new: Bundle) -> DiffResult:
    """The structural diff; refs nested deeper than the comparison can follow are bad input."""
    from apiforge.diagnostics import Diagnostic, Severity
    from apiforge.diff import diff_documents

    try:
        return diff_documents(old.data, new.data, old_locate=old.locate, new_locate=new.locate)
    except RecursionError:
        message = "schemas nest too deeply (through $refs) to compare; flatten the chain"
        raise SpecError(
            [Diagnostic(new.root.display, 1, 1, Severity.ERROR, message, "#", "diff")]
        ) from None


def _check_breaking(specs: list[Path], base: str, fmt: str) -> int:
    """Undeclared breaking changes (and bad declarations) between each spec at `base` and now."""
    import tempfile

    from apiforge.config import ref_root_for
    from apiforge.diff import diff_documents
    from apiforge.diff.report import FORMATS
    from apiforge.gitbase import export_folder
    from apiforge.paths import display_path
    from apiforge.resolve import load_bundle

    problems = 0
    with tempfile.TemporaryDirectory(prefix="apiforge-base-") as tmp:
        exported: dict[Path, Path] = {}
        for spec in specs:
            folder = ref_root_for(spec)  # the spec's folder, or the ref-root its refs may reach
            if folder not in exported:
                exported[folder] = export_folder(base, folder, Path(tmp))
            old_path = exported[folder] / spec.resolve().relative_to(folder)
            if not old_path.is_file():
                print(f"apiforge: {display_path(spec)} is new since {base}", file=sys.stderr)
                continue
            try:
                old = load_bundle(old_path, f"{base}:{display_path(spec)}", exported[folder])
            except SpecError as exc:
                print(
                    f"apiforge: {display_path(spec)} at {base} does not load; not compared",
                    file=sys.stderr,
                )
                print_diagnostics(exc.diagnostics)
                continue
            new = load_bundle(spec, display_path(spec))
            result = diff_documents(
                old.data, new.data, old_locate=old.locate, new_locate=new.locate
            )
            if not result.ok:
                sys.stdout.write(FORMATS["github" if fmt == "github" else "text"](result))
                problems += len(result.undeclared_breaking) + len(result.errors)
    return problems


def print_diagnostics(diagnostics: Sequence[Diagnostic], fmt: str = "text") -> None:
    if fmt == "github":  # escaped: spec text must not inject workflow commands into CI logs
        from apiforge.diff.report import _annotation as github_annotation

        for d in diagnostics:
            level = "error" if d.is_error else "warning"
            print(
                github_annotation(level, d, d.rule or "apiforge", f"{d.message} (at {d.pointer})")
            )
        return
    for d in diagnostics:
        print(d.format())
