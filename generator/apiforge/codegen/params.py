"""Request bodies as TypedDicts beside the models (openai-python's `completion_create_params.py`).

The TypedDicts are read off the same model classes the client validates with (ModelIndex), so a
Literal, a required key or a union means the same in both: a key the model requires is
`Required`, one it may lack is not; an object is `XParam | models.X`, so a dict or the model both
type-check; an array is `Iterable[...]` (a list of one member of a union is accepted, where
`list` is invariant), except `list[str]`, since a string is an iterable of strings too.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Container, Iterable

from apiforge.codegen import ir
from apiforge.models.index import ModelClass, ModelIndex
from apiforge.plan.names import ClassName, unique

__all__ = ["ParamsNamer", "request_params"]

# names params.py and client.py import or write in annotations: a TypedDict key may not shadow them
_MODULE_NAMES = frozenset(
    {
        "Any",
        "Iterable",
        "Literal",
        "Mapping",
        "Required",
        "TypeAlias",
        "TypedDict",
        "models",
        "params",
    }
)
_KEPT_NAMES = frozenset({"Any", "None", "bool", "bytes", "float", "int", "str", "object"})


class ParamsNamer:
    """Model class -> its TypedDict's name, given out once; the classes named so far, in order."""

    def __init__(self, classes: dict[str, ModelClass]) -> None:
        self.classes = classes
        self.names: dict[str, str] = {}
        self._taken = set(_MODULE_NAMES) | set(_KEPT_NAMES) | {"list", "dict"}

    def name(self, model: str) -> str:
        if model not in self.names:
            self.names[model] = unique(f"{ClassName(model)}Param", self._taken)
        return self.names[model]

    def annotation(self, annotation: str, prefix: str = "") -> str:
        """A model annotation as a request parameter's; `Any` where it names something unknown."""
        try:
            tree = ast.parse(annotation, mode="eval").body
        except SyntaxError:
            return "Any"
        return self._convert(tree, prefix)

    def _convert(self, node: ast.expr, prefix: str) -> str:
        if isinstance(node, ast.Name):
            if node.id in self.classes:
                return f"{prefix}{self.name(node.id)} | models.{node.id}"
            return node.id if node.id in _KEPT_NAMES else "Any"
        if isinstance(node, ast.Constant) and node.value is None:
            return "None"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return f"{self._convert(node.left, prefix)} | {self._convert(node.right, prefix)}"
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            head, inner = node.value.id, node.slice
            if head == "Literal":
                return ast.unparse(node)
            if head == "list" and not isinstance(inner, ast.Tuple):
                item = self._convert(inner, prefix)
                return f"list[{item}]" if item == "str" else f"Iterable[{item}]"
            if head == "dict" and isinstance(inner, ast.Tuple) and len(inner.elts) == 2:
                key = self._convert(inner.elts[0], prefix)
                return f"Mapping[{key}, {self._convert(inner.elts[1], prefix)}]"
        return "Any"


def request_params(namer: ParamsNamer, index: ModelIndex) -> tuple[ir.ParamsType, ...]:
    """A TypedDict (or alias) for each model class the namer has handed out, and for the classes
    they reach in turn; in the order named, which is the order a reader meets them."""
    out: list[ir.ParamsType] = []
    done: set[str] = set()
    while len(done) < len(namer.names):
        for model, name in list(namer.names.items()):
            if model not in done:
                done.add(model)
                out.append(_params_type(namer, index.classes[model], name))
    return tuple(out)


def _params_type(namer: ParamsNamer, cls: ModelClass, name: str) -> ir.ParamsType:
    if cls.is_root:
        root = next((f for f in cls.fields if f.name == "root"), None)
        alias = namer.annotation(root.annotation) if root else "Any"
        return ir.ParamsType(name, cls.name, (), alias=alias)
    if not cls.fields:
        return ir.ParamsType(name, cls.name, (), alias="Mapping[str, Any]")
    keys = tuple(
        ir.ParamKey(f.wire_name, namer.annotation(f.annotation), f.required) for f in cls.fields
    )
    return ir.ParamsType(
        name, cls.name, keys, functional=not _class_syntax([k.wire_name for k in keys])
    )


def _class_syntax(keys: Iterable[str], shadowed: Container[str] = _MODULE_NAMES) -> bool:
    """Whether every key can be a class-body name that shadows nothing the annotations read."""
    return all(
        key.isidentifier()
        and not keyword.iskeyword(key)
        and key not in shadowed
        and key not in _KEPT_NAMES
        and key not in ("list", "dict")
        and not key.startswith("__")
        for key in keys
    )
