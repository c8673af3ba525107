"""What identifies a generated package cheaply: its name, and a hash of everything that shapes it.

Kept free of heavy imports, so that `apiforge check` on an unchanged tree answers quickly.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

from apiforge import __version__
from apiforge.codegen.assets import PACKAGE, templates_dir
from apiforge.output.format import RuffConfig
from apiforge.plan.names import PythonIdentifier

_FINGERPRINT: str | None = None
# What never shapes generated output, by folder: editing it must not make generated/ look stale.
# The rule is the layout's: the stages `generate` runs live in the other folders, so a module added
# to one of them is hashed without anyone remembering to list it.
_NOT_OUTPUT_FOLDERS = {"conform", "diff", "findings", "guard", "serve"}
_NOT_OUTPUT_TOP_LEVEL = {
    "__main__.py",
    "cli.py",
    "deep_stack.py",
    "watch.py",
}  # the commands around it


# What generated code imports besides the standard library: a package of one of these names,
# put on sys.path by its user, would hide the real module from its own models and client.
_IMPORTED_BY_GENERATED_CODE = frozenset(
    {
        "pydantic",
        "pydantic_core",
        "httpx",
        "fastapi",
        "starlette",
        "anyio",
        "uvicorn",
        "typing_extensions",
    }
)


def package_name(spec: Path) -> str:
    """The spec file's stem as an identifier; `_api` added where it would shadow a module that
    generated code imports (`decimal.yaml` -> `decimal_api`, whose models import decimal)."""
    name = str(PythonIdentifier(spec.stem.replace("-", "_"), avoid_builtins=False))
    if name in sys.stdlib_module_names or name in _IMPORTED_BY_GENERATED_CODE:
        return f"{name}_api"
    return name


def output_fingerprint(
    ruff: RuffConfig,
    templates: Path | None = None,
    names: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """What a manifest records: the generator, the output folder's ruff settings, user templates
    and method names ([tool.apiforge.names])."""
    digest = hashlib.sha256(generator_fingerprint().encode())
    digest.update(ruff.digest.encode())
    if names:
        digest.update(json.dumps(names, sort_keys=True).encode())
    if templates is not None:
        for path in sorted(p for p in templates.rglob("*") if p.is_file()):
            if "__pycache__" not in path.parts:
                digest.update(path.relative_to(templates).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def generator_fingerprint() -> str:
    """Changes whenever anything that shapes the output changes: our code or a tool's version."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        digest = hashlib.sha256(__version__.encode())
        for dist in ("datamodel-code-generator", "ruff", "jinja2"):
            try:
                digest.update(f"{dist}={metadata.version(dist)}".encode())
            except metadata.PackageNotFoundError:
                digest.update(dist.encode())
        for label, path in _output_sources():
            digest.update(label.encode())
            digest.update(path.read_bytes())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


def _output_sources() -> list[tuple[str, Path]]:
    """(label, file) for every module and template that shapes output, in a stable order."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "__pycache__" in relative.parts or relative.parts[0] in _NOT_OUTPUT_FOLDERS:
            continue
        if len(relative.parts) > 1 or relative.name not in _NOT_OUTPUT_TOP_LEVEL:
            found.append((relative.as_posix(), path))
    templates = templates_dir()
    found += [(f"templates/{p.name}", p) for p in sorted(templates.glob("*.jinja"))]
    return found
