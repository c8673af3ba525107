"""datamodel-code-generator's own models through fidelity's response check (`--peer-models`).

The baseline issue 21 names: the same library, run as a user runs it on the whole document
(`datamodel-codegen --input-file-type openapi --output-model-type pydantic_v2.BaseModel`), its
class for a response's component parsing each instance the judge drew and dumping it back.
Only responses whose schema is one component `$ref` are compared (the only ones whose peer class
can be found by name); on those same instances, apiforge's generated client is tallied apart, so
the two figures are over one set.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from fidelity_values import difference
from pydantic import BaseModel, ValidationError

_COMPONENT = "#/components/schemas/"


def generate(spec: Path, work: Path, timeout: float) -> ModuleType | str:
    """The peer's models module for the document, or why there is none."""
    out = work / "peer" / "peer_models.py"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "datamodel_code_generator",
        "--input",
        str(spec),
        "--input-file-type",
        "openapi",
        "--output-model-type",
        "pydantic_v2.BaseModel",
        "--output",
        str(out),
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "peer generation timed out"
    if done.returncode != 0 or not out.exists():
        return "peer generation failed"
    spec_ = importlib.util.spec_from_file_location("peer_models", out)
    if spec_ is None or spec_.loader is None:
        return "peer import failed"
    module = importlib.util.module_from_spec(spec_)
    sys.modules["peer_models"] = module  # forward references resolve through the module
    try:
        spec_.loader.exec_module(module)
    except Exception:
        return "peer import failed"
    return module


def component_class(module: ModuleType, node: Any) -> type[BaseModel] | None:
    """The peer's class for `{$ref: '#/components/schemas/Name'}`, found by the library's naming."""
    ref = node.get("$ref") if isinstance(node, dict) else None
    if not isinstance(ref, str) or not ref.startswith(_COMPONENT) or len(node) != 1:
        return None
    name = ref.removeprefix(_COMPONENT).replace("~1", "/").replace("~0", "~")
    words = [w for w in re.split(r"[^0-9A-Za-z]+", name) if w]
    candidates = [name, "".join(w[:1].upper() + w[1:] for w in words), "".join(words)]
    for candidate in dict.fromkeys(candidates):
        found = getattr(module, candidate, None)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return None


def round_trip(cls: type[BaseModel], value: Any) -> tuple[str, str] | None:
    """(failure class, detail) where the peer refuses the instance or dumps it otherwise."""
    try:
        parsed = cls.model_validate(value)
    except ValidationError as exc:
        kind = exc.errors()[0]["type"] if exc.errors() else "error"
        return f"refused: {kind}", str(exc)[:300]
    except Exception as exc:  # a model that cannot be built (a forward reference left open)
        return f"refused: {type(exc).__name__}", str(exc)[:300]
    dumped = parsed.model_dump(mode="json", by_alias=True, exclude_unset=True)
    found = difference(value, dumped)
    return None if not found else (f"dump differs: {found[0]}", found[1])
