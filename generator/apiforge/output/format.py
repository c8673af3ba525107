"""ruff over the staged tree with the settings that apply to the output folder: its owner's.

A team whose pre-commit runs `ruff format` must find generated code already formatted their way,
or their formatter and `apiforge check` fight. So the ruff configuration ruff itself would use for
the output folder (the nearest `.ruff.toml`, `ruff.toml` or `pyproject.toml` with `[tool.ruff]`) is
passed explicitly, even when staging elsewhere; with none, stock ruff. Its settings are hashed into
each manifest, so editing them makes `check` regenerate. User-level ruff configuration is ignored:
the output must be the same bytes in every checkout.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import subprocess
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from apiforge.deep_stack import start_deep
from apiforge.findings.diagnostic import UsageError

__all__ = [
    "FormatStore",
    "RuffConfig",
    "begin_format_tree",
    "format_tree",
    "ruff_binary",
    "ruff_config_for",
]

STOCK_SETTINGS = ["--isolated", "--target-version", "py311"]  # no configuration found: stock ruff
LINT_RULES = ["--extend-select", "E,F,W,I,UP", "--ignore", "E501"]  # on top of the configured rules
_CONFIG_NAMES = (".ruff.toml", "ruff.toml", "pyproject.toml")  # ruff's own order within a folder
_MAX_EXTENDS = 16


@dataclass(frozen=True)
class RuffConfig:
    """The ruff configuration file that governs a folder (None: stock ruff) and its settings' hash."""

    path: Path | None
    digest: str

    def arguments(self) -> list[str]:
        return ["--config", str(self.path)] if self.path else STOCK_SETTINGS


def ruff_config_for(folder: Path) -> RuffConfig:
    """What ruff would read for files in `folder` (which need not exist yet)."""
    for directory in [folder.resolve(), *folder.resolve().parents]:
        for name in _CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                settings = _ruff_settings(candidate)
                if settings is not None:
                    return RuffConfig(candidate, _digest(candidate, settings))
    return RuffConfig(None, _digest(None, {}))


def _ruff_settings(path: Path) -> dict[str, Any] | None:
    """The ruff table of a config file (None: a pyproject.toml that does not configure ruff)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read the ruff settings in {path}: {exc}") from None
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool")
    ruff = tool.get("ruff") if isinstance(tool, dict) else None
    if not isinstance(ruff, dict):
        return None
    project = data.get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    return {**ruff, "(requires-python)": requires}  # ruff infers target-version from it


def _digest(path: Path | None, settings: dict[str, Any]) -> str:
    """A hash of the settings, following `extend` chains; independent of where the checkout is."""
    parts = [settings]
    for _ in range(_MAX_EXTENDS):
        extend = parts[-1].get("extend")
        if path is None or not isinstance(extend, str):
            break
        path = (path.parent / extend).expanduser()
        parts.append(_ruff_settings(path) or {} if path.is_file() else {"(missing)": extend})
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:  # pragma: no cover - ruff is a dependency
        raise UsageError("ruff is not installed; reinstall apiforge") from None
    return str(find_ruff_bin())


class FormatStore(Protocol):
    """Where formatted files are kept between runs (`format/` beside the model cache): keyed by
    everything ruff's answer depends on, so a hit is the bytes ruff would write."""

    def key(self, *parts: str) -> str: ...
    def get(self, key: str) -> dict[str, Any] | None: ...
    def put(self, key: str, value: dict[str, Any]) -> None: ...


def format_tree(root: Path, config: RuffConfig, store: FormatStore | None = None) -> None:
    """Fix imports and modern syntax, then format, every Python file below `root`.

    Files are named one by one, so neither a `.gitignore` nor an `exclude` can skip one. With a
    `store`, a file whose text, place and settings ruff has seen before takes ruff's answer from
    it, and ruff runs on the others only (after an edit of one operation: the client and server,
    not the models and the runtime, which are most of the bytes).
    """
    begin_format_tree(root, config, store)()


def begin_format_tree(
    root: Path, config: RuffConfig, store: FormatStore | None = None
) -> Callable[[], None]:
    """`format_tree`, begun: the stored answers are written now, ruff runs on the rest in its own
    process, and the returned call waits for it (and stores its answers). Meanwhile this
    thread is free: nothing of the formatting needs it (or the GIL) until then."""
    paths = sorted(root.rglob("*.py"))
    keys = _format_keys(root, paths, config, store)
    todo = []
    for path in paths:
        hit = store.get(keys[path]) if store is not None and keys[path] else None
        text = hit.get("text") if hit is not None else None
        if isinstance(text, str):
            path.write_text(text, encoding="utf-8")
        else:
            todo.append(path)
    ruff = start_deep(lambda: _run_ruff(todo, config)) if todo else lambda: None

    def finish() -> None:
        ruff()
        for path in todo:
            if store is not None and keys[path]:
                store.put(keys[path], {"text": path.read_text(encoding="utf-8")})

    return finish


def _format_keys(
    root: Path, paths: list[Path], config: RuffConfig, store: FormatStore | None
) -> dict[Path, str]:
    """Each file's key: its text, its place among the tree's files (import sorting reads which
    modules are first-party), the settings, the rules and ruff's version; "" with no store."""
    if store is None:
        return dict.fromkeys(paths, "")
    names = [p.relative_to(root).as_posix() for p in paths]
    tree = "\n".join(names)
    shared = ("ruff-format-1", _ruff_version(), config.digest, " ".join(LINT_RULES), tree)
    return {
        path: store.key(*shared, name, path.read_text(encoding="utf-8"))
        for path, name in zip(paths, names, strict=True)
    }


def _ruff_version() -> str:
    try:
        return importlib.metadata.version("ruff")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - ruff is a dependency
        return "unknown"


def _run_ruff(paths: list[Path], config: RuffConfig) -> None:
    files = [str(p) for p in paths]
    if not files:
        return
    ruff, settings = ruff_binary(), [*config.arguments(), "--no-cache"]
    fix = [ruff, "check", "--fix", "--exit-zero", "--quiet", *settings, *LINT_RULES, *files]
    fmt = [ruff, "format", "--quiet", *settings, *files]
    for command in (fix, fmt):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            where = f" (with the settings in {config.path})" if config.path else ""
            raise UsageError(f"ruff failed on the generated code{where}: {detail[0]}")
