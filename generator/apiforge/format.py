"""ruff over the staged tree: imports sorted and fixed, then formatted, with settings of our own.

`--isolated` keeps a user's ruff configuration from changing what we write, so the output is the
same bytes in every checkout.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from apiforge.diagnostics import UsageError

RUFF_SETTINGS = ["--isolated", "--no-cache", "--target-version", "py311"]  # stock ruff: what users run
LINT_RULES = ["--extend-select", "E,F,W,I,UP", "--ignore", "E501"]  # plus ruff's defaults


def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError:  # pragma: no cover - ruff is a dependency
        raise UsageError("ruff is not installed; reinstall apiforge") from None
    return str(find_ruff_bin())


def format_tree(root: Path) -> None:
    ruff = ruff_binary()
    fix = [ruff, "check", "--fix", "--exit-zero", "--quiet", *RUFF_SETTINGS, *LINT_RULES, str(root)]
    fmt = [ruff, "format", "--quiet", *RUFF_SETTINGS, str(root)]
    for command in (fix, fmt):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise UsageError(f"ruff failed on the generated code: {detail[0]}")
