"""What identifies a generated package cheaply: its name, and a hash of everything that shapes it.

Kept free of heavy imports, so that `apiforge check` on an unchanged tree answers quickly.
"""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

from apiforge import __version__
from apiforge.names import PythonIdentifier

_FINGERPRINT: str | None = None
# modules that never shape generated output: editing them must not make generated/ look stale
_NOT_OUTPUT = {"cli.py", "__main__.py", "serve.py", "mock.py", "check.py", "gitbase.py", "paths.py"}


def package_name(spec: Path) -> str:
    return str(PythonIdentifier(spec.stem.replace("-", "_"), avoid_builtins=False))


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
        package = Path(__file__).parent
        for path in sorted(package.rglob("*")):
            if path.name in _NOT_OUTPUT or path.name.startswith("diff"):
                continue
            if path.suffix in (".py", ".jinja") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(package).as_posix().encode())
                digest.update(path.read_bytes())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT
