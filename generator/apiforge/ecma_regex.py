"""An OpenAPI `pattern` (ECMA-262) -> one that both Python's `re` (the validator's engine) and
pydantic's Rust engine (the generated models') compile, or None when no such pattern exists.

Only syntax with a meaning-preserving spelling in both is rewritten; a construct one engine cannot
check at all (`\\p{L}` for `re`, look-behind and back-references for pydantic) is not guessed at.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["portable_pattern"]

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
