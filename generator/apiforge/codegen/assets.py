"""Where the generator's assets live: the Jinja templates, and the runtime each package carries.

A wheel carries the top-level `templates/` folder as `apiforge/_templates`; a checkout (the editable
install) reads it where it is written, so editing a template needs no reinstall.
"""

from __future__ import annotations

from pathlib import Path

from apiforge.findings.diagnostic import UsageError

__all__ = ["PACKAGE", "RUNTIME", "runtime_files", "templates_dir"]

PACKAGE = Path(__file__).resolve().parents[1]  # apiforge/, above codegen/
RUNTIME = PACKAGE / "runtime"


def templates_dir() -> Path:
    """The folder of `*.py.jinja` templates: the wheel's copy, else the checkout's `templates/`."""
    for candidate in (PACKAGE / "_templates", PACKAGE.parents[1] / "templates"):
        if (candidate / "client.py.jinja").is_file():
            return candidate
    raise UsageError(f"apiforge at {PACKAGE} was installed without its templates; reinstall it")


def runtime_files() -> dict[str, bytes]:
    """`_runtime/<path>` -> bytes for every module of `apiforge.runtime`, as its source is: the
    package and its `client/` and `server/` parts keep their layout and their relative imports."""
    return {
        f"_runtime/{path.relative_to(RUNTIME).as_posix()}": path.read_bytes()
        for path in sorted(RUNTIME.rglob("*.py"))
    }
