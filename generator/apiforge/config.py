"""`[tool.apiforge]` in pyproject.toml plus command-line flags -> one frozen Config."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from apiforge.findings.diagnostic import UsageError

SPEC_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Config:
    root: Path
    spec_dir: Path
    out_dir: Path
    templates: Path | None = None  # a folder whose templates replace the built-in ones by name
    ref_root: Path | None = None  # the folder relative refs may reach; None: each spec's own
    # [tool.apiforge.names.<package>]: operationId (or `METHOD /path`) -> the client method's name
    names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def default_specs(self) -> list[Path]:
        """Every top-level document in the spec folder (component files live in subfolders)."""
        if not self.spec_dir.is_dir():
            raise UsageError(f"no spec folder at {self.spec_dir}; name the specs to use")
        specs = sorted(p for p in self.spec_dir.iterdir() if p.suffix in SPEC_SUFFIXES)
        if not specs:
            raise UsageError(f"no *.yaml, *.yml or *.json documents in {self.spec_dir}")
        return specs


def load_config(
    root: Path | None = None, out_dir: str | None = None, templates: str | None = None
) -> Config:
    """Flags win over `[tool.apiforge]`; paths in pyproject.toml are relative to its folder."""
    root = (root or Path.cwd()).resolve()
    settings = _settings(root)
    spec_dir = root / str(settings.get("spec-dir", "spec"))
    out = root / str(out_dir if out_dir is not None else settings.get("out-dir", "generated"))
    chosen = templates if templates is not None else settings.get("templates")
    template_dir = root / str(chosen) if chosen else None
    if template_dir is not None and not template_dir.is_dir():
        raise UsageError(f"templates folder {template_dir} does not exist")
    return Config(
        root=root,
        spec_dir=spec_dir,
        out_dir=out,
        templates=template_dir,
        ref_root=_ref_root(root, settings),
        names=_names(settings.get("names")),
    )


def _names(value: object) -> dict[str, dict[str, str]]:
    """`[tool.apiforge.names.<package>]` tables, each of operationId -> method name."""
    if value is None:
        return {}
    tables = value if isinstance(value, dict) else None
    if tables is None or not all(
        isinstance(t, dict) and all(isinstance(v, str) for v in t.values()) for t in tables.values()
    ):
        raise UsageError(
            '[tool.apiforge.names] holds one table per package, of operationId = "method_name"'
        )
    return {str(package): dict(table) for package, table in tables.items()}


def ref_root_for(spec: Path, root: Path | None = None) -> Path:
    """The folder `spec`'s relative refs may reach: `ref-root` (relative to the pyproject.toml
    that sets it) when the spec lies inside it, else the spec's own folder."""
    return folder_ref_root(spec.resolve().parent, root)


def folder_ref_root(folder: Path, root: Path | None = None) -> Path:
    """`ref_root_for` every document in `folder`."""
    own = folder.resolve()
    chosen = _ref_root((root or Path.cwd()).resolve(), None)
    return chosen if chosen is not None and own.is_relative_to(chosen) else own


def _ref_root(root: Path, settings: dict[str, object] | None) -> Path | None:
    value = (_settings(root) if settings is None else settings).get("ref-root")
    if value is None:
        return None
    if not isinstance(value, str) or not (root / value).is_dir():
        raise UsageError(f"[tool.apiforge] ref-root {value!r} is not a folder under {root}")
    return (root / value).resolve()  # symlinks resolved, as every ref's target is


def lint_settings(root: Path | None = None) -> dict[str, object]:
    """`[tool.apiforge.lint]` of the pyproject.toml in `root` (default: the working folder)."""
    table = _settings((root or Path.cwd()).resolve()).get("lint", {})
    if not isinstance(table, dict):
        raise UsageError("[tool.apiforge.lint] must be a table")
    return table


def _settings(root: Path) -> dict[str, object]:
    """`[tool.apiforge]` of `root`'s pyproject.toml (none: empty)."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read {pyproject}: {exc}") from None
    tool = data.get("tool", {})
    found = tool.get("apiforge", {}) if isinstance(tool, dict) else {}
    return found if isinstance(found, dict) else {}


# The model cache's keys (model_cache.py interprets them, with the environment).
CACHE_KEYS = frozenset({"cache", "cache-dir", "cache-size-mb"})


def cache_table(root: Path | None = None) -> dict[str, object]:
    """The cache keys of `[tool.apiforge]` in `root`'s pyproject.toml (default: the working folder)."""
    settings = _settings((root or Path.cwd()).resolve())
    return {key: value for key, value in settings.items() if key in CACHE_KEYS}
