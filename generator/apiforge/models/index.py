"""What models.py defines, read from its syntax tree (never by importing it): the index codegen reads.

Each class with its fields' names, JSON names, plain annotations and required-ness; the model
cache stores it beside the source (`encode_classes`, `decode_classes`), so a cached run reads
the same index without parsing the module again.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from apiforge.findings.diagnostic import Diagnostic
from apiforge.models.source import annotated_names

__all__ = [
    "ModelClass",
    "ModelField",
    "ModelIndex",
    "decode_classes",
    "encode_classes",
    "index_models",
    "index_tree",
]


@dataclass(frozen=True)
class ModelField:
    name: str
    wire_name: str
    annotation: str
    required: bool


@dataclass(frozen=True)
class ModelClass:
    name: str
    fields: tuple[ModelField, ...]
    is_root: bool


@dataclass(frozen=True)
class ModelIndex:
    """What models.py defines, and what the reader of the spec should know about how it was
    made (warnings at the schemas concerned)."""

    classes: dict[str, ModelClass]
    warnings: tuple[Diagnostic, ...] = ()
    from_cache: bool = False  # read from the model cache: the library and our edits did not run


def index_models(source: str) -> ModelIndex:
    return ModelIndex(index_tree(ast.parse(source)))


def index_tree(tree: ast.Module) -> dict[str, ModelClass]:
    """The classes and fields of models.py. Leaves `tree` changed (Annotated metadata cut)."""
    classes: dict[str, ModelClass] = {}
    annotated = annotated_names(tree)
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [ast.unparse(b) for b in node.bases]
        is_root = any(b.startswith("RootModel") for b in bases)
        fields: list[ModelField] = []
        for stmt in node.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            name = stmt.target.id
            if name == "model_config":
                continue
            fields.append(_field(name, stmt, annotated))
        classes[node.name] = ModelClass(node.name, tuple(fields), is_root)
    return classes


def encode_classes(classes: dict[str, ModelClass]) -> list[Any]:
    """The index as JSON: [name, is_root, [[field, wire name, annotation, required], ...]]."""
    return [
        [c.name, c.is_root, [[f.name, f.wire_name, f.annotation, f.required] for f in c.fields]]
        for c in classes.values()
    ]


def decode_classes(rows: Any) -> dict[str, ModelClass] | None:
    """`encode_classes` read back; None when `rows` is not what it writes."""
    try:
        return {
            str(name): ModelClass(
                str(name),
                tuple(ModelField(str(a), str(b), str(c), bool(d)) for a, b, c, d in fields),
                bool(root),
            )
            for name, root, fields in rows
        }
    except (TypeError, ValueError):
        return None


def _field(name: str, stmt: ast.AnnAssign, annotated: frozenset[str]) -> ModelField:
    """Name, JSON name, plain annotation and required-ness of one field, from its syntax."""
    calls = [stmt.value] + _annotated_metadata(stmt.annotation, annotated)
    wire, required = name, stmt.value is None
    for call in calls:
        if not (isinstance(call, ast.Call) and ast.unparse(call.func) == "Field"):
            continue
        if call is stmt.value:
            first = call.args[0] if call.args else None
            has_default = any(k.arg in ("default", "default_factory") for k in call.keywords)
            is_ellipsis = isinstance(first, ast.Constant) and first.value is Ellipsis
            required = is_ellipsis or (first is None and not has_default)
        for kw in call.keywords:
            if kw.arg == "alias" and isinstance(kw.value, ast.Constant):
                wire = str(kw.value.value)
    plain = ast.unparse(_StripAnnotated(annotated).visit(stmt.annotation))
    return ModelField(name, wire, plain, required)


def _annotated_metadata(annotation: ast.expr, annotated: frozenset[str]) -> list[ast.expr]:
    """The metadata of `Annotated[X, ...]`, also where it is one member of `... | None`."""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        left = _annotated_metadata(annotation.left, annotated)
        return left + _annotated_metadata(annotation.right, annotated)
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value) in annotated:
        elements = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else []
        return list(elements[1:])
    return []


class _StripAnnotated(ast.NodeTransformer):
    """`Annotated[X, Field(...)]` -> `X`: the metadata belongs to the model, not to a signature."""

    def __init__(self, annotated: frozenset[str]) -> None:
        self.annotated = annotated

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        if ast.unparse(node.value) in self.annotated and isinstance(node.slice, ast.Tuple):
            inner: ast.AST = self.visit(node.slice.elts[0])
            return inner
        return self.generic_visit(node)
