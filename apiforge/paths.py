"""How paths are shown in messages and generated headers: relative, never absolute."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path) -> str:
    """Relative to the working folder when inside it, else just the file name."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.name
