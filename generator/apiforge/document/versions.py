"""The document's OpenAPI version, read one way everywhere: it decides what its keywords mean.

3.0 schemas are OpenAPI's JSON Schema subset (`nullable`, boolean exclusive bounds); from 3.1 on
(3.1 and 3.2) they are JSON Schema 2020-12. 3.2 adds `itemSchema`, the `query` method and more.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "SUPPORTED",
    "json_schema_2020",
    "major_minor",
    "openapi_version",
    "supported_release",
    "supported_text",
]

SUPPORTED = ((3, 0), (3, 1), (3, 2))  # the versions apiforge reads and validates
_MAJOR_MINOR = re.compile(r"\s*(\d+)\.(\d+)")  # a prefix: the validator judges the rest
_RELEASE = re.compile(r"(\d+)\.(\d+)\.\d+(?:-[0-9A-Za-z.-]+)?")  # 3.1.0, 3.2.0-rc1


def openapi_version(doc: Any) -> str | None:
    """The `openapi` field as text (YAML reads an unquoted `3.1` as a number), or None."""
    value = doc.get("openapi") if isinstance(doc, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value).strip() or None


def major_minor(version: str | None) -> tuple[int, int] | None:
    """`3.1.0` -> (3, 1); patch releases never change what a keyword means. None if unreadable."""
    found = _MAJOR_MINOR.match(version or "")
    return (int(found[1]), int(found[2])) if found else None


def supported_release(doc: Any) -> tuple[int, int] | None:
    """(major, minor) of a version apiforge reads, written as OpenAPI says (text, `3.1.0`)."""
    value = doc.get("openapi") if isinstance(doc, Mapping) else None
    found = _RELEASE.fullmatch(value) if isinstance(value, str) else None
    release = (int(found[1]), int(found[2])) if found else None
    return release if release in SUPPORTED else None


def json_schema_2020(doc: Any) -> bool:
    """True for 3.1 and later, whose schemas are JSON Schema 2020-12 (no `nullable` keyword)."""
    version = major_minor(openapi_version(doc))
    return version is not None and version >= (3, 1)


def supported_text() -> str:
    """`3.0.x, 3.1.x and 3.2.x`, for messages."""
    names = [f"{major}.{minor}.x" for major, minor in SUPPORTED]
    return ", ".join(names[:-1]) + " and " + names[-1]
