"""`[tool.apiforge]` in pyproject.toml plus command-line flags -> one frozen Config."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from apiforge.diagnostics import UsageError

SPEC_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Config:
    root: Path
    spec_dir: Path
    out_dir: Path
    templates: Path | None = None  # a folder whose templates replace the built-in ones by name

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
    settings: dict[str, object] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UsageError(f"cannot read {pyproject}: {exc}") from None
        tool = data.get("tool", {})
        found = tool.get("apiforge", {}) if isinstance(tool, dict) else {}
        settings = found if isinstance(found, dict) else {}
    spec_dir = root / str(settings.get("spec-dir", "spec"))
    out = root / str(out_dir if out_dir is not None else settings.get("out-dir", "generated"))
    chosen = templates if templates is not None else settings.get("templates")
    template_dir = root / str(chosen) if chosen else None
    if template_dir is not None and not template_dir.is_dir():
        raise UsageError(f"templates folder {template_dir} does not exist")
    return Config(root=root, spec_dir=spec_dir, out_dir=out, templates=template_dir)
