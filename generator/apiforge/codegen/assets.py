"""Where the generator's assets live: the Jinja templates, and the runtime each package carries.

A wheel carries the top-level `templates/` folder as `apiforge/_templates`; a checkout (the editable
install) reads it where it is written, so editing a template needs no reinstall.
"""

from __future__ import annotations

import re
from pathlib import Path

from apiforge.findings.diagnostic import UsageError

__all__ = ["PACKAGE", "RUNTIME", "runtime_files", "shipped_name", "templates_dir"]

PACKAGE = Path(__file__).resolve().parents[1]  # apiforge/, above codegen/
RUNTIME = PACKAGE / "runtime"

# The runtime's parts, flattened into one `_runtime/` folder: a part's module `<stem>.py` ships as
# `<prefix><stem>.py`. The client part's `__init__` is the shipped package's; the server's is not shipped.
_PREFIXES = {"client": "", "server": "server_"}
_RENAMED = {("client", "base"): "client_base"}
_SIBLING_IMPORT = re.compile(r"^(\s*from \.)(\w+)( import )", re.MULTILINE)
_OTHER_RELATIVE_IMPORT = re.compile(r"^\s*from \.(\.|\s)", re.MULTILINE)


def templates_dir() -> Path:
    """The folder of `*.py.jinja` templates: the wheel's copy, else the checkout's `templates/`."""
    for candidate in (PACKAGE / "_templates", PACKAGE.parents[1] / "templates"):
        if (candidate / "client.py.jinja").is_file():
            return candidate
    raise UsageError(f"apiforge at {PACKAGE} was installed without its templates; reinstall it")


def shipped_name(part: str, stem: str) -> str:
    """The module name a runtime module has inside a generated package's `_runtime/`."""
    return _RENAMED.get((part, stem), f"{_PREFIXES[part]}{stem}")


def runtime_files() -> dict[str, str | bytes]:
    """`_runtime/<module>.py` -> source, for both parts; sibling imports follow the renames."""
    out: dict[str, str | bytes] = {}
    for part in _PREFIXES:
        folder = RUNTIME / part
        stems = {path.stem for path in folder.glob("*.py")}
        for stem in sorted(stems):
            if stem == "__init__" and part != "client":
                continue
            text = (folder / f"{stem}.py").read_text(encoding="utf-8")
            out[f"_runtime/{shipped_name(part, stem)}.py"] = _flatten_imports(text, part, stems)
    return dict(sorted(out.items()))


def _flatten_imports(text: str, part: str, stems: set[str]) -> bytes:
    if _OTHER_RELATIVE_IMPORT.search(text):
        raise AssertionError(f"runtime/{part}: only `from .<sibling> import` may be relative")

    def rename(match: re.Match[str]) -> str:
        sibling = match.group(2)
        if sibling not in stems:
            raise AssertionError(f"runtime/{part} imports .{sibling}, which is not in {part}/")
        return f"{match.group(1)}{shipped_name(part, sibling)}{match.group(3)}"

    return _SIBLING_IMPORT.sub(rename, text).encode("utf-8")
