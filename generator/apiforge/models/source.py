"""Edits to the model generator's source where it writes a type the schema does not mean.

Each edit works on the syntax tree and changes text only inside the lines it names, so line
numbers stay what the tree says; the caller parses again when the text changed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

__all__ = ["REFUSE_METHOD", "annotated_names", "optional_admits_none", "refuse_every_value"]


def annotated_names(tree: ast.Module) -> frozenset[str]:
    """The names `typing.Annotated` goes by in the module: the library imports it `as
    Annotated_aliased` where a property is named `Annotated` (osisoft.com's document)."""
    names = {"Annotated"}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in ("typing", "typing_extensions"):
            names.update(a.asname for a in node.names if a.name == "Annotated" and a.asname)
    return frozenset(names)


def optional_admits_none(source: str, tree: ast.Module) -> str:
    """A field whose default is None is typed `X | None`, whatever X is.

    The library writes `ratio: float = None` for an optional `const: 1.5`, and `user: str = None`
    for an optional 3.0 property that says `nullable: false`; mypy refuses both, and the None
    default is the model's own answer for an absent property, so it must be a value of the type.
    """
    spots: dict[int, list[int]] = {}  # line -> byte offsets where ` | None` goes
    annotated = annotated_names(tree)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for stmt in node.body:
            if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                continue
            if stmt.target.id == "root" or not _defaults_to_none(stmt.value):
                continue
            core = _core_type(stmt.annotation, annotated)
            if _admits_none(core) or core.end_lineno is None or core.end_col_offset is None:
                continue
            spots.setdefault(core.end_lineno, []).append(core.end_col_offset)
    if not spots:
        return source
    lines = source.splitlines(keepends=True)
    for number, offsets in spots.items():
        raw = lines[number - 1].encode()  # ast offsets count UTF-8 bytes
        for at in sorted(offsets, reverse=True):
            raw = raw[:at] + b" | None" + raw[at:]
        lines[number - 1] = raw.decode()
    return "".join(lines)


def _defaults_to_none(value: ast.expr | None) -> bool:
    """`= None`, `= Field(None, ...)` or `= Field(default=None, ...)`."""
    if isinstance(value, ast.Constant):
        return value.value is None
    if not (isinstance(value, ast.Call) and ast.unparse(value.func) == "Field"):
        return False
    if value.args:
        first = value.args[0]
        return isinstance(first, ast.Constant) and first.value is None
    return any(
        k.arg == "default" and isinstance(k.value, ast.Constant) and k.value.value is None
        for k in value.keywords
    )


def _core_type(annotation: ast.expr, annotated: frozenset[str]) -> ast.expr:
    """`Annotated[X, ...]` -> X; any other annotation is its own type."""
    if (
        isinstance(annotation, ast.Subscript)
        and ast.unparse(annotation.value) in annotated
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        return annotation.slice.elts[0]
    return annotation


def _admits_none(annotation: ast.expr) -> bool:
    """Whether None is a value of the type as written: a `None` or `Any` member, `Optional[...]`."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _admits_none(annotation.left) or _admits_none(annotation.right)
    if isinstance(annotation, ast.Constant):
        return annotation.value is None or isinstance(annotation.value, str)  # a forward ref: leave
    if isinstance(annotation, ast.Name):
        return annotation.id in ("None", "Any", "object")
    if isinstance(annotation, ast.Subscript):
        head = ast.unparse(annotation.value)
        if head in ("Optional", "typing.Optional"):
            return True
        if head in ("Union", "typing.Union"):
            members = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
            return any(_admits_none(m) for m in members)
    return False


REFUSE_METHOD = "_refuse_every_value"


def refuse_every_value(source: str, tree: ast.Module, classes: Iterable[str]) -> str:
    """Each named class refuses every value it is given (a schema that can never match).

    A `model_validator` that always fails is added at the end of the class body; subclasses (an
    allOf that includes the class) inherit it, as they inherit the schema's impossibility.
    """
    wanted = set(classes)
    ends = [
        node.end_lineno
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name in wanted and node.end_lineno
    ]
    if not ends:
        return source
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    method = (
        "\n"
        '    @model_validator(mode="before")\n'
        "    @classmethod\n"
        f"    def {REFUSE_METHOD}(cls, data: Any) -> Any:\n"
        '        """No value is valid: the schema can never match (it includes `false`)."""\n'
        '        raise ValueError("no value is valid against this schema")\n'
    )
    for end in sorted(ends, reverse=True):  # from the bottom: earlier line numbers still hold
        lines.insert(end, method)
    future = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    at = future[0].end_lineno or 0 if future else 0
    lines[at:at] = ["from typing import Any\n", "from pydantic import model_validator\n"]
    return "".join(lines)
