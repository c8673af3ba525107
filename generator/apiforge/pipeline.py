"""`generate` as a dozen named steps: load -> repair -> validate -> models -> IR -> render -> stage ->
format -> swap. Each step takes the value the previous one made; nothing is written to the output
folder until every package of the run has been built and formatted.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from apiforge import __version__
from apiforge.codegen.assets import runtime_files
from apiforge.codegen.build import build_api
from apiforge.codegen.render import render_package, warm_templates
from apiforge.document.bundle import load_bundle
from apiforge.document.files import display_path, source_label
from apiforge.findings.diagnostic import Diagnostic, SpecError, UsageError
from apiforge.models.cache import OFF, ModelCache, load_cache
from apiforge.models.library import library_request
from apiforge.models.stage import build_models
from apiforge.models.worker import ModelWorker
from apiforge.output.fingerprint import output_fingerprint, package_name
from apiforge.output.format import begin_format_tree, ruff_config_for
from apiforge.output.write import (
    keep_unchanged,
    sha256,
    stage_package,
    staging,
    swap_in,
    write_manifest,
)
from apiforge.plan.operations import ModelPlan, plan_models
from apiforge.repair.mistakes import repair_bundle
from apiforge.validate.spec import validate_and_lint

Progress = Callable[[str], None]


@dataclass
class BuiltPackage:
    name: str
    spec: Path
    files: dict[str, str | bytes]
    inputs: dict[str, str]  # input file (relative to the spec's folder) -> sha256
    warnings: list[Diagnostic] = field(default_factory=list)
    repaired: bool = False  # generate fixed something that `validate` rejects
    unchanged: int = 0  # files whose bytes the output folder already held (not rewritten)
    models_cached: bool = False  # models.py came from the model cache
    # the document's checks, when they were left to run while the code is formatted
    pending_checks: Callable[[], None] | None = field(default=None, repr=False)

    def finish_checks(self) -> None:
        """Run the checks left for later: SpecError on errors, else their warnings join ours."""
        if self.pending_checks is not None:
            checks, self.pending_checks = self.pending_checks, None
            checks()


def build_package(
    spec: Path,
    progress: Progress = lambda _: None,
    templates: Path | None = None,
    renames: Mapping[str, str] | None = None,
    cache: ModelCache = OFF,
    worker: ModelWorker | None = None,
    *,
    later: bool = False,
) -> BuiltPackage:
    """Every step but writing: SpecError on bad input, with nothing written.

    The checks (validation and lint, a quarter of a second on OpenAI's document) run while
    something else does: the model library in the worker, when it has to run; otherwise, with
    `later`, ruff formatting the code (`generate` calls `BuiltPackage.finish_checks` then). A
    document that fails them is refused either way, before anything is written.
    """
    name = package_name(spec)
    shown = display_path(spec)
    label = source_label(spec)
    progress(f"{name}: load")
    bundle = load_bundle(spec, shown)
    bundle, repairs = repair_bundle(bundle)
    header = file_header(label)
    job = None
    try:
        # planned before it is checked, so that the model worker runs the library meanwhile (a
        # cached output needs no worker); a plan that fails is answered by the checks below
        plan: ModelPlan | None = plan_models(bundle)
        request = library_request(plan, header, cache) if plan is not None else None
    except Exception:  # a document the checks refuse, or a bug that a valid one finds
        plan = request = None
    if request is not None and request.kept is None and worker is not None:
        job = worker.submit(request)
    checked: list[Diagnostic] | None = None  # the checks' findings, once they ran

    def check() -> list[Diagnostic]:
        nonlocal checked
        progress(f"{name}: validate")
        checked = validate_and_lint(bundle, generating=True)
        errors = [d for d in checked if d.is_error]
        if errors:
            raise SpecError(repairs + errors)
        return checked

    try:
        if job is not None or plan is None:  # the library runs meanwhile, or the plan failed
            check()
        progress(f"{name}: models")
        plan = plan or plan_models(bundle)  # a failure the checks did not explain is raised here
        warm_templates(templates)
        models_source, index = build_models(
            plan, header, shown, request=request, job=job, locate=bundle.diagnostic, cache=cache
        )
        progress(f"{name}: render")
        api, found = build_api(plan, index, package=name, spec_file=label, renames=renames)
        files: dict[str, str | bytes] = dict(render_package(api, header, templates))
    except SpecError:
        raise
    except Exception:
        if checked is None:
            check()  # an unchecked document's errors explain the failure, if it has any
        raise
    finally:
        if job is not None:
            job.cancel()  # only if the answer was not collected: a refused spec
    notes = [bundle.place(f) for f in found]
    files["models.py"] = models_source
    files["py.typed"] = ""
    files.update(runtime_files())
    inputs = {
        os.path.relpath(path, spec.parent).replace(os.sep, "/"): sha256(path.read_bytes())
        for path in sorted(bundle.documents)
    }
    package = BuiltPackage(name, spec, files, inputs, models_cached=index.from_cache)

    def conclude() -> None:
        """The package's warnings and repaired flag, once its checks have run."""
        findings = checked if checked is not None else check()
        relaxed = any(d.relaxed for d in findings)
        warnings = [d for d in findings if not d.is_error]
        package.warnings = repairs + warnings + list(index.warnings) + notes
        package.repaired = bool(repairs) or relaxed

    if checked is not None or not later:
        conclude()
    else:
        package.pending_checks = conclude
    return package


def generate(
    specs: list[Path],
    out_dir: Path,
    progress: Progress = lambda _: None,
    *,
    format_as: Path | None = None,
    templates: Path | None = None,
    method_names: Mapping[str, Mapping[str, str]] | None = None,
    cache: ModelCache | None = None,
    worker: ModelWorker | None = None,
) -> list[BuiltPackage]:
    """Build every package, then format and swap them all in; raise before writing on any error.

    The code is formatted with the ruff settings of `format_as` (default: `out_dir`), so that
    `check` can generate elsewhere exactly what the output folder holds. Templates in `templates`
    replace the built-in ones of the same name; `method_names` renames methods, per package.
    `cache` (default: the one `[tool.apiforge]` of the working folder and the environment
    describe) keeps the model stage's output between runs. `worker`, opened by the caller before
    any thread started, runs the model library beside the checks.
    """
    names = [package_name(s) for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UsageError(f"two specs would both generate the package {duplicates[0]!r}")
    renames = method_names or {}
    models = load_cache() if cache is None else cache
    built = [
        build_package(
            s, progress, templates, renames.get(package_name(s)), models, worker, later=True
        )
        for s in specs
    ]
    with staging(out_dir) as stage:
        for package in built:
            stage_package(stage, package.name, package.files)
        progress("format")
        ruff = ruff_config_for(format_as or out_dir)
        formats = models.beside("format")
        # ruff works in its own process, so the checks left for now run meanwhile
        formatted = begin_format_tree(stage, ruff, formats if formats.enabled else None)
        try:
            for package in built:
                package.finish_checks()
        except BaseException:
            with contextlib.suppress(Exception):
                formatted()  # done with the staged files before they go; the refusal is the news
            raise
        formatted()
        fingerprint = output_fingerprint(ruff, templates, method_names)
        for package in built:
            write_manifest(
                stage / package.name,
                package.inputs,
                fingerprint,
                strictly_valid=not package.repaired,
            )
        for package in built:
            package.unchanged = keep_unchanged(stage / package.name, out_dir / package.name)
        progress("write")
        swap_in(stage, out_dir, [p.name for p in built])
    return built


def file_header(spec_display: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._/\-]", "_", spec_display)
    return (
        f"# Generated by apiforge {__version__} from {safe}.\n"
        "# Do not edit: change the spec and run `apiforge generate`."
    )
