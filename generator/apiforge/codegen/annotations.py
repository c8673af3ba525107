"""Type expressions for generated code: a parameter schema's plain Python type, and a model
annotation as a module that does `from . import models` writes it."""

from __future__ import annotations

import ast
from collections.abc import Container
from typing import Any

from apiforge.document.walk import deref

__all__ = ["ANNOTATION_NAMES", "qualified_annotation", "schema_annotation"]

# names that annotations in the generated modules read: no member of theirs may hide one
ANNOTATION_NAMES = frozenset(
    [
        "Any",
        "Literal",
        "None",
        "bool",
        "bytes",
        "dict",
        "float",
        "frozenset",
        "int",
        "list",
        "object",
        "set",
        "str",
        "tuple",
    ]
)
_PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def schema_annotation(schema: Any, doc: dict[str, Any], depth: int = 0) -> str:
    """A plain Python type for a parameter schema (parameters are simple values on the wire)."""
    schema = deref(schema, doc)
    if not isinstance(schema, dict) or depth > 8:
        return "Any"
    kind = schema.get("type")
    kinds = [k for k in kind if k != "null"] if isinstance(kind, list) else [kind]
    nullable = (isinstance(kind, list) and "null" in kind) or schema.get("nullable") is True
    if len(kinds) != 1:
        return "Any"
    if kinds[0] == "array":
        inner = schema_annotation(schema.get("items"), doc, depth + 1)
        base = f"list[{inner}]"
    else:
        base = _PRIMITIVES.get(str(kinds[0]), "Any")
    return f"{base} | None" if nullable and base != "Any" else base


_ANNOTATION_NODES = (ast.Expression, ast.Subscript, ast.BinOp, ast.BitOr, ast.Tuple, ast.Constant)


def qualified_annotation(annotation: str, classes: Container[str]) -> str:
    """`annotation` with model classes as `models.X`; `Any` if it names anything else unknown."""
    try:
        tree = ast.parse(annotation, mode="eval")
    except SyntaxError:
        return "Any"

    def check(node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Name):
            if node.id in classes:
                return ast.Attribute(ast.Name("models", ast.Load()), node.id, ast.Load())
            if node.id in ANNOTATION_NAMES:
                return node
            raise LookupError(node.id)
        is_literal = isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal"
        if is_literal:
            return node  # its arguments are values, not names
        if isinstance(node, ast.Constant) and node.value not in (None, Ellipsis):
            raise LookupError(node.value)  # a quoted forward reference
        if not isinstance(node, _ANNOTATION_NODES + (ast.Load,)):
            raise LookupError(type(node).__name__)
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                setattr(node, name, check(value))
            elif isinstance(value, list):
                setattr(node, name, [check(v) if isinstance(v, ast.AST) else v for v in value])
        return node

    try:
        return ast.unparse(check(tree))
    except LookupError:
        return "Any"
