"""The modules generated models may import: what plain pydantic models need, and nothing else.

The library's input is spec text, and some keywords it acts on would let that text choose an
import (input.py takes them out first); this is the check on what it wrote: models that import
anything else are refused, whatever the input did to get there.
"""

from __future__ import annotations

import ast

__all__ = ["BUILTIN_TYPES", "SAFE_MODULES", "foreign_imports"]

SAFE_MODULES = frozenset(
    {"__future__", "typing", "typing_extensions", "pydantic", "datetime", "enum"}
    | {"uuid", "decimal", "ipaddress", "collections.abc", "pathlib", "re"}
)

# A field named `list` makes the library take the type under another name:
# `from builtins import list as list_aliased` (seen in Google's Tool Results document). Builtin
# types are fine to import; any other builtin (`eval`, `open`, `__import__`) is not.
BUILTIN_TYPES = frozenset(
    {"list", "dict", "set", "frozenset", "tuple", "str", "int", "float", "bool"}
    | {"bytes", "bytearray", "complex", "object", "type"}
)


def foreign_imports(module: str | ast.Module) -> list[str]:
    """Modules the generated source (or its tree) imports beyond those plain pydantic models need."""
    tree = ast.parse(module) if isinstance(module, str) else module
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if not (node.module == "builtins" and node.level == 0 and names <= BUILTIN_TYPES):
                found.add(node.module or ".")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return sorted(m for m in found if m not in SAFE_MODULES)
