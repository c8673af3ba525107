"""Each side's OpenAPI version: it decides what the schema keywords on that side mean."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["major_minor", "nullable_is_keyword", "openapi_version", "version_warnings"]

_MAJOR_MINOR = re.compile(r"\s*(\d+)\.(\d+)")


def openapi_version(doc: Any) -> str | None:
    """The `openapi` field as text (YAML reads an unquoted `3.1` as a number), or None."""
    value = doc.get("openapi") if isinstance(doc, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def major_minor(version: str | None) -> tuple[int, int] | None:
    """`3.1.0` -> (3, 1): patch releases never change what a schema means."""
    found = _MAJOR_MINOR.match(version or "")
    return (int(found[1]), int(found[2])) if found else None


def nullable_is_keyword(doc: Any) -> bool:
    """True before 3.1; from 3.1 schemas are JSON Schema 2020-12, where `nullable` is unknown.

    A document without a readable version keeps the 3.0 reading, as the diff always did.
    """
    version = major_minor(openapi_version(doc))
    return version is None or version < (3, 1)


def version_warnings(old: Any, new: Any) -> tuple[str, ...]:
    """A warning when the sides differ in major.minor: one schema text can mean two things."""
    old_text, new_text = openapi_version(old), openapi_version(new)
    old_mm, new_mm = major_minor(old_text), major_minor(new_text)
    if old_mm is None or new_mm is None or old_mm == new_mm:
        return ()
    text = (
        f"OLD is OpenAPI {old_text} and NEW is {new_text}: each side is judged by its own version"
    )
    if nullable_is_keyword(old) != nullable_is_keyword(new):
        text += ' (in 3.1 `nullable` is not a keyword; null comes from type: [.., "null"])'
    return (text,)
