"""Shared helpers for tests that generate packages and run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m apiforge ARGS` in a subprocess: what a user runs, exit code and output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "apiforge", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file below root (caches left out) -> its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".mypy_cache" not in p.parts
    }


def tree_without_tool_versions(root: Path) -> dict[str, bytes]:
    """`tree_bytes`, each manifest without its `generator` fingerprint, which names the versions
    of the tools installed where it was made (CI installs today's: a newer library that writes
    the same bytes must not fail a comparison of outputs)."""
    tree = tree_bytes(root)
    for name in [n for n in tree if n.endswith("apiforge-manifest.json")]:
        manifest = json.loads(tree[name])
        manifest.pop("generator", None)
        tree[name] = json.dumps(manifest, sort_keys=True).encode()
    return tree


def import_fresh(package_parent: Path, module: str) -> object:
    """Import `module` from `package_parent` in a subprocess-free way, isolated from earlier imports."""
    import importlib

    sys.path.insert(0, str(package_parent))
    try:
        for name in [
            m
            for m in sys.modules
            if m == module.split(".")[0] or m.startswith(module.split(".")[0] + ".")
        ]:
            del sys.modules[name]
        return importlib.import_module(module)
    finally:
        sys.path.remove(str(package_parent))
