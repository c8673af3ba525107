"""An OpenAPI `pattern` (ECMA-262) -> one that both Python's `re` (the validator's engine) and
pydantic's Rust engine (the generated models') compile, or None when no such pattern exists.

Only syntax with a meaning-preserving spelling in both is rewritten; a construct one engine cannot
check at all (`\\p{L}` for `re`, look-behind and back-references for pydantic) is not guessed at.

Whenever the pipeline matches a spec's pattern against a value (a default, a key), it does so in
linear time with pydantic's engine (`linear_search`, `linear_validator`): a backtracking engine
such as `re` takes hours on `^(a+)+$` against forty `a`s and a `!`. A pattern that engine cannot
compile is not evaluated at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

__all__ = ["ascii_classes", "linear_search", "linear_validator", "portable_pattern"]

_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")  # ECMA's (?<name>...), Python's (?P<name>...)
_BRACED_CODE_POINT = re.compile(r"u\{([0-9A-Fa-f]{1,6})\}")  # after the backslash
_NAMED_BACKREF = re.compile(r"k<([A-Za-z_][A-Za-z0-9_]*)>")


def portable_pattern(pattern: str) -> str | None:
    """The pattern when both engines take it, else a rewrite of its ECMA-only syntax, else None."""
    if _compiles(pattern):
        return pattern
    rewritten = _rewrite(pattern)
    return rewritten if rewritten != pattern and _compiles(rewritten) else None


@lru_cache(maxsize=1024)
def _compiles(pattern: str) -> bool:
    from pydantic_core import SchemaValidator, core_schema

    try:
        re.compile(pattern)
        SchemaValidator(core_schema.str_schema(pattern=pattern))
    except Exception:  # re.error, pydantic_core.SchemaError, and whatever a future engine raises
        return False
    return True


def _rewrite(pattern: str) -> str:
    """`\\u{X}` -> `\\U0000000X`, `\\cX` -> `\\xNN`, `\\k<n>` -> `(?P=n)`, `(?<n>` -> `(?P<n>`, `[^]`."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped, i = _escape(pattern, i)
            out.append(escaped)
            continue
        if pattern.startswith("[^]", i):
            out.append(r"[\s\S]")
            i += 3
            continue
        named = _NAMED_GROUP.match(pattern, i)
        if named:
            out.append("(?P<")
            i = named.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int) -> tuple[str, int]:
    """One escape sequence starting at pattern[i] (a backslash) and where the next token starts."""
    code = pattern[i + 1]
    braced = _BRACED_CODE_POINT.match(pattern, i + 1)
    if braced and int(braced.group(1), 16) <= 0x10FFFF:
        return f"\\U{int(braced.group(1), 16):08X}", braced.end()
    if (
        code == "c"
        and i + 2 < len(pattern)
        and pattern[i + 2].isascii()
        and pattern[i + 2].isalpha()
    ):
        return f"\\x{ord(pattern[i + 2]) % 32:02X}", i + 3
    backref = _NAMED_BACKREF.match(pattern, i + 1)
    if backref:
        return f"(?P={backref.group(1)})", backref.end()
    return pattern[i : i + 2], i + 2


# ECMA-262's \d and \w are ASCII; Python's and pydantic's engines read them as Unicode classes
_ASCII_OUTSIDE = {"d": "[0-9]", "D": "[^0-9]", "w": "[A-Za-z0-9_]", "W": "[^A-Za-z0-9_]"}
_ASCII_INSIDE = {"d": "0-9", "w": "A-Za-z0-9_"}  # \D and \W in a class have no such spelling


def ascii_classes(pattern: str) -> str:
    """The pattern with `\\d` and `\\w` spelled as the ASCII classes ECMA-262 means by them, so
    that a model refuses `"\\u0661"` where the spec's `^\\d+$` does."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            code = pattern[i + 1]
            table = _ASCII_INSIDE if in_class else _ASCII_OUTSIDE
            out.append(table.get(code, pattern[i : i + 2]))
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            start = i + 2 if pattern.startswith("[^", i) else i + 1
            if pattern.startswith("]", start):  # a leading `]` is a member, as Python reads it
                out.append(pattern[i : start + 1])
                i = start + 1
                continue
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def linear_search(pattern: str, text: str) -> bool | None:
    """Whether `pattern` matches somewhere in `text` (JSON Schema's unanchored search), in time
    linear in the text; None when the linear engine cannot compile the pattern."""
    check = _linear_matcher(pattern)
    if check is None:
        return None
    try:
        return bool(check(text))
    except Exception:  # a lone surrogate pydantic will not take as text
        return None


@lru_cache(maxsize=4096)
def _linear_matcher(pattern: str) -> Any:
    """pydantic-core's string check (Rust `regex`: no backtracking, a bounded program size)."""
    from pydantic_core import SchemaValidator, core_schema

    try:
        return SchemaValidator(core_schema.str_schema(pattern=pattern)).isinstance_python
    except Exception:  # look-around, back-references, a program over the size limit
        return None


_LINEAR_CLASSES: dict[type[Any], type[Any]] = {}


def linear_validator(cls: type[Any]) -> type[Any]:
    """A jsonschema validator class whose `pattern`, `patternProperties` and
    `additionalProperties` match with `linear_search`: no value can make validation hang."""
    if cls not in _LINEAR_CLASSES:
        from jsonschema.validators import extend

        keywords = {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        }
        _LINEAR_CLASSES[cls] = extend(cls, keywords)
    return _LINEAR_CLASSES[cls]


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    string = validator.is_type(instance, "string") and isinstance(pattern, str)
    if string and linear_search(pattern, instance) is False:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator: Any, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "object") or not isinstance(patterns, Mapping):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if linear_search(str(pattern), str(key)):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's keyword, with a key whose pattern cannot be checked counted as matched."""
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    properties = schema.get("properties", {})
    patterns = [str(p) for p in schema.get("patternProperties", {})]
    extras = [
        key
        for key in instance
        if key not in properties
        and not any(linear_search(p, str(key)) in (True, None) for p in patterns)
    ]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        shown = ", ".join(repr(key) for key in sorted(map(str, extras)))
        yield ValidationError(f"Additional properties are not allowed ({shown} were unexpected)")
