"""What `diff` compares: a document that loads and has OpenAPI's shape where the comparison reads it.

Anything else is bad input, never "no change": a list, a document without `openapi`, `paths: 5`
would otherwise compare as empty. Strict validity is not required, so vendors' slightly invalid
documents (OpenAI's among them) still compare.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.bundle import Bundle, load_bundle
from apiforge.document.files import display_path
from apiforge.document.walk import OPERATION_METHODS
from apiforge.findings.diagnostic import Diagnostic, Severity, SpecError

__all__ = ["load_for_diff"]

_VERSION = re.compile(r"^3\.[0-9]+(\.[0-9]+)?")
_MAPS = ("paths", "webhooks", "components")


def load_for_diff(path: Path, display: str | None = None, ref_root: Path | None = None) -> Bundle:
    """The bundle of one side of a comparison; SpecError (located) when it cannot be compared."""
    shown = display or display_path(path)
    if path.is_dir():
        raise SpecError([_unplaced(shown, "is a directory, not a document")])
    if not path.is_file():
        raise SpecError([_unplaced(shown, "no such file")])
    try:
        bundle = load_bundle(path, shown, ref_root)
    except OSError as exc:
        raise SpecError([_unplaced(shown, f"cannot be read: {exc.strerror or exc}")]) from None
    problems = [
        bundle.diagnostic(at, message, Severity.ERROR, "openapi")
        for at, message in _shape(bundle.data)
    ]
    if problems:
        raise SpecError(problems)
    return bundle


def _unplaced(file: str, message: str) -> Diagnostic:
    return Diagnostic(file, 0, 0, Severity.ERROR, message, "", "load")


def _shape(data: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(pointer, problem) wherever the document is not shaped as OpenAPI 3 where diff reads it."""
    version = data.get("openapi")
    if not isinstance(version, str) or not _VERSION.match(version):
        found = "no `openapi` field" if version is None else f"`openapi: {version!r}`"
        yield "#", f"not an OpenAPI 3 document ({found}); nothing to compare"
        return
    for key in _MAPS:
        if key in data and not isinstance(data[key], dict):
            yield f"#/{key}", f"`{key}` is {_kind(data[key])}, not a mapping"
    for section in ("paths", "webhooks"):
        items = data.get(section)
        if not isinstance(items, dict):
            continue
        for name, item in items.items():
            at = jp.join(f"#/{section}", str(name))
            if not isinstance(item, dict):
                yield at, f"path item is {_kind(item)}, not a mapping"
                continue
            for method in OPERATION_METHODS:
                if method in item and not isinstance(item[method], dict):
                    yield jp.join(at, method), f"operation is {_kind(item[method])}, not a mapping"
    components = data.get("components")
    if isinstance(components, dict):
        for name, section_map in components.items():
            if not isinstance(section_map, dict) and not str(name).startswith("x-"):
                yield jp.join("#/components", str(name)), f"is {_kind(section_map)}, not a mapping"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")
