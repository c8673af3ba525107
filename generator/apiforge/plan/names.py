"""Names from a spec made safe for Python, decided once: types that clean themselves on construction."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")
_SHADOWED = set(dir(builtins)) | {
    "self",
    "cls",
    "client",
    "timeout",
    "max_retries",
    "extra_headers",
}
# names the generated modules import or define themselves; a schema may not take them
RESERVED_CLASSES = {
    "Any",
    "BaseModel",
    "ConfigDict",
    "Field",
    "RootModel",
    "Literal",
    "Optional",
    "Union",
    "Annotated",
    "Enum",
    "AwareDatetime",
    "Client",
    "AsyncClient",
    "Handler",
    "Stream",
    "AsyncStream",
    "NotGiven",
}


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _WORD.findall(folded)


class PythonIdentifier(str):
    """snake_case, never a keyword, builtin or leading digit: `userId` -> `user_id`, `class` -> `class_`."""

    def __new__(cls, raw: str, *, avoid_builtins: bool = True) -> PythonIdentifier:
        words = [w.lower() for w in _ascii_words(raw)]
        name = "_".join(words) or "value"
        if name[0].isdigit():
            name = "n_" + name
        if (
            keyword.iskeyword(name)
            or keyword.issoftkeyword(name)
            or name in {"True", "False"}
            or avoid_builtins
            and name in _SHADOWED
        ):
            name += "_"
        return super().__new__(cls, name)


class ClassName(str):
    """PascalCase, never a keyword or a name the generated code uses itself: `chat.message` -> `ChatMessage`."""

    def __new__(cls, raw: str) -> ClassName:
        words = _ascii_words(raw)
        name = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
        if name[0].isdigit():
            name = "Model" + name
        if name in RESERVED_CLASSES or keyword.iskeyword(name):
            name += "Model"
        return super().__new__(cls, name)


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name2`, `name3`... whichever is free; the result is added to `taken`."""
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def env_prefix(package: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", package.upper())


def method_name(
    op: dict[str, Any], method: str, path: str, renames: Mapping[str, str] | None
) -> str:
    """The table's name, else `x-apiforge-name`, else the operationId, else method and path."""
    op_id = op.get("operationId")
    for key in (op_id, f"{method.upper()} {path}"):
        chosen = (renames or {}).get(key) if isinstance(key, str) else None
        if chosen and chosen.strip():
            return str(PythonIdentifier(chosen, avoid_builtins=False))
    named = op.get("x-apiforge-name")
    if isinstance(named, str) and named.strip():
        return str(PythonIdentifier(named, avoid_builtins=False))
    if isinstance(op_id, str) and op_id.strip():
        return str(PythonIdentifier(op_id, avoid_builtins=False))
    return str(PythonIdentifier(f"{method} {path}", avoid_builtins=False))


def collision_message(name: str, given: str, first: str) -> str:
    """The warning for a method name two operations would share (the later one gets `name2`)."""
    return (
        f"method name {name!r} is taken by the operation at {first}, so this one's method is"
        f" {given!r}; name one of them with x-apiforge-name (or [tool.apiforge.names])"
    )
