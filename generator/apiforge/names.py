"""Names from a spec made safe for Python, decided once: types that clean themselves on construction."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

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
