"""How paths are shown in messages and generated headers: relative, never absolute."""

from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """Relative to the working folder (with `..` when outside it): short, clickable, never absolute."""
    try:
        return Path(os.path.relpath(path.resolve(), Path.cwd().resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return path.name


def source_label(spec: Path) -> str:
    """How generated code names its spec: relative to the project (the nearest folder up with a
    pyproject.toml or .git), so the output is the same from whichever folder generate runs."""
    spec = spec.resolve()
    for folder in spec.parents:
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            return spec.relative_to(folder).as_posix()
    return spec.name
