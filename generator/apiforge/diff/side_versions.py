"""Each side's OpenAPI version: it decides what the schema keywords on that side mean."""

from __future__ import annotations

from typing import Any

from apiforge.document.versions import json_schema_2020, major_minor, openapi_version

__all__ = ["major_minor", "nullable_is_keyword", "openapi_version", "version_warnings"]


def nullable_is_keyword(doc: Any) -> bool:
    """True before 3.1; from 3.1 schemas are JSON Schema 2020-12, where `nullable` is unknown.

    A document without a readable version keeps the 3.0 reading, as the diff always did.
    """
    return not json_schema_2020(doc)


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
