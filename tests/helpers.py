"""Shared helpers for tests that generate packages and run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
# the command line a user types, for run_cli and for servers and watchers that outlive a call
APIFORGE = (sys.executable, "-m", "apiforge")


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m apiforge ARGS` in a subprocess: what a user runs, exit code and output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*APIFORGE, *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec_fn,
        check=False,
    )


def mypy_strict(
    *targets: str, cwd: Path, mypypath: Path | None = None, reuse_cache: bool = False
) -> subprocess.CompletedProcess[str]:
    """`mypy --strict TARGETS` run from `cwd`, as a user type-checks generated code.

    Each run neither reads nor writes a cache unless `reuse_cache`: then it uses the one in `cwd`
    (the repository's makes a check of a small package there take seconds, not tens).
    """
    env = {**os.environ, "MYPYPATH": str(mypypath)} if mypypath else None
    fresh = [] if reuse_cache else ["--no-incremental", "--cache-dir", os.devnull]
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *fresh, *targets],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def write(path: Path, content: str | bytes | Mapping[str, Any]) -> Path:
    """Write a test's file, folders and all: text dedented (tests indent it), bytes as they are,
    a mapping as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        text = textwrap.dedent(content) if isinstance(content, str) else json.dumps(content)
        path.write_text(text, encoding="utf-8")
    return path


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
