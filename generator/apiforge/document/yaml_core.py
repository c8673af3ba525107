"""YAML 1.2's core schema for PyYAML: which plain scalars are numbers, booleans and null.

OpenAPI 3.1 recommends YAML 1.2; PyYAML resolves by YAML 1.1, where `NO` is false and `1_000` a
number. The loader (load_yaml.py) resolves by these rules instead.
"""

from __future__ import annotations

import re
from typing import Any, cast

import yaml

__all__ = ["NOT_CORE", "YAML_TAG", "core_scalar", "core_schema_loader"]

YAML_TAG = "tag:yaml.org,2002:"
NOT_CORE: Any = object()  # a scalar whose text its explicit tag does not fit

# YAML 1.2's core schema (which OpenAPI 3.1 recommends), not PyYAML's YAML 1.1 one: `1e-08` and
# `.5` are numbers; `yes`, `no`, `on`, `off`, `0b1010`, `1_000`, `1:20` stay strings (an enum of
# country codes keeps `NO`); `012` is twelve. `<<` still resolves as a merge key, to be refused.
_INT = re.compile(r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_CORE_SCHEMA = (
    ("bool", re.compile(r"true|True|TRUE|false|False|FALSE"), "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+.0123456789"),
    ("null", re.compile(r"~|null|Null|NULL|"), ["~", "n", "N", ""]),
    ("merge", re.compile(r"<<"), "<"),
)


def core_schema_loader(base: type[yaml.SafeLoader]) -> type[yaml.SafeLoader]:
    """`base` (PyYAML's safe loader, in C or Python) resolving plain scalars as YAML 1.2 does."""
    loader = cast(type[yaml.SafeLoader], type(f"Core{base.__name__}", (base,), {}))
    loader.yaml_implicit_resolvers = {}
    for tag, pattern, first in _CORE_SCHEMA:
        full = re.compile(rf"^(?:{pattern.pattern})$")
        loader.add_implicit_resolver(YAML_TAG + tag, full, list(first))
    return loader


def core_scalar(kind: str, raw: str) -> Any:
    """A scalar's value by YAML 1.2's core schema (`int`, `float`, `bool`, `null`), or NOT_CORE."""
    if kind == "null":
        return None
    if kind == "bool" and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    if kind == "int" and _INT.fullmatch(raw):
        base = {"0o": 8, "0x": 16}.get(raw[:2], 10)
        return int(raw[2:] if base != 10 else raw, base)
    if kind == "float" and _FLOAT.fullmatch(raw):
        return float(raw.lower().replace(".", "") if "n" in raw.lower() else raw)  # .inf, .nan
    if kind == "float" and _INT.fullmatch(raw):  # `!!float 0x10`
        return float(core_scalar("int", raw))
    return NOT_CORE
