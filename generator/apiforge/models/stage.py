"""The model stage: ModelPlan -> the models.py we ship and the index of what it defines.

The library's output comes from the model worker when it has an answer, else from a run here (or
the cache); then our edits, each a job of its own module: the import allow-list
(allowed_imports), types the schema does not mean (source), what strict mypy refuses
(mypy_edits), and the index codegen reads (index). The library's failures become diagnostics at
the schema they name.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from apiforge.document import pointer as jp
from apiforge.findings.diagnostic import Diagnostic, Severity, SpecError
from apiforge.models import unsatisfiable
from apiforge.models.allowed_imports import foreign_imports
from apiforge.models.cache import OFF, ModelCache
from apiforge.models.index import (
    ModelClass,
    ModelIndex,
    decode_classes,
    encode_classes,
    index_models,
    index_tree,
)
from apiforge.models.library import LibraryRequest, answer_here, keep_output, library_request
from apiforge.models.mypy_edits import satisfy_mypy, unshadow_field_types
from apiforge.models.source import optional_admits_none, refuse_every_value
from apiforge.plan.operations import ModelPlan

if TYPE_CHECKING:
    from apiforge.models.worker import ModelJob

__all__ = ["EMPTY_MODELS", "Locate", "build_models", "generate_models"]

# pointer, message, severity, rule -> the diagnostic at the file and line that pointer was written
# (`Bundle.diagnostic`); without one, diagnostics name the pointer at line 1
Locate = Callable[[str, str, Severity, str], Diagnostic]
Place = Callable[[str, str, Severity], Diagnostic]

EMPTY_MODELS = (
    '\n\n"""This API declares no schemas, so there are no models."""\n\n__all__: list[str] = []\n'
)
_NEVER_NOTE = "this schema can never match (it includes `false`): its model refuses every value"


def generate_models(plan: ModelPlan, header: str, display: str) -> str:
    """models.py's source: SpecError when the library fails or writes what we refuse."""
    return build_models(plan, header, display)[0]


def build_models(
    plan: ModelPlan,
    header: str,
    display: str,
    *,
    request: LibraryRequest | None = None,
    job: ModelJob | None = None,
    locate: Locate | None = None,
    cache: ModelCache = OFF,
) -> tuple[str, ModelIndex]:
    """models.py's source and what it defines, from one parse of what the library wrote (a
    large module takes a fifth of a second to parse: OpenAI's 900 KB once, not four times).

    `request`: the plan's `library_request`, if made already. `job`: the model worker was given
    that request and has been working on it meanwhile; its answer is collected here. `locate`
    places diagnostics. `cache` holds the library's output and our edits of it from earlier
    runs (cache.py).
    """
    place = _placer(plan, display, locate)
    try:
        request = request or library_request(plan, header, cache)
        answer = job.result() if job is not None else None  # collected: the worker is free again
        if request is None:  # no schemas
            out = None
        elif answer is not None:
            keep_output(request, answer, cache)
            out = answer
        else:
            out = answer_here(request, cache)
    except RecursionError:
        raise _failed(place, "schemas nest too deeply to generate models") from None
    except Exception as exc:  # the library's errors are many and untyped
        message = " ".join(str(exc).split())[:400] or type(exc).__name__
        raise _failed(place, f"cannot generate models: {message}", _schema_path(message)) from None
    if out is None:  # no schemas: the library refuses a document without models
        source = header + EMPTY_MODELS
        return source, index_models(source)
    if not isinstance(out, str):
        raise _failed(place, "the model generator returned several modules; expected one")
    never = unsatisfiable.find(plan.document)
    key = cache.key("models", out, json.dumps(never.classes))
    cached = _kept_models(cache.get(key))
    if cached is not None:
        source, classes = cached
    else:
        source, classes = _edit_output(out, never.classes, place)
        cache.put(key, {"source": source, "classes": encode_classes(classes)})
    notes = tuple(place(p, _NEVER_NOTE, Severity.WARNING) for p in never.pointers)
    return source, ModelIndex(classes, notes, from_cache=cached is not None)


def _edit_output(
    out: str, never: tuple[str, ...], place: Place
) -> tuple[str, dict[str, ModelClass]]:
    """The library's models.py made what we ship, and the classes it defines."""
    try:
        tree = ast.parse(out)
    except (SyntaxError, RecursionError):  # the library wrote what Python cannot read
        raise _failed(place, "the model generator wrote code Python cannot parse") from None
    foreign = foreign_imports(tree)
    if foreign:
        raise _failed(place, f"the models would import {', '.join(foreign)}; refused")
    source, tree = unshadow_field_types(out, tree)
    fixed = refuse_every_value(optional_admits_none(source, tree), tree, never)
    if fixed != source:  # the edits keep or add lines: the rest needs the tree of the new text
        source, tree = fixed, ast.parse(fixed)
    shipped = satisfy_mypy(source, tree)
    return shipped, index_tree(tree)  # last: it cuts the tree's Annotated metadata


def _kept_models(entry: dict[str, Any] | None) -> tuple[str, dict[str, ModelClass]] | None:
    """A cache entry of `_edit_output`'s result; None when it is not one."""
    if entry is None or not isinstance(entry.get("source"), str):
        return None
    classes = decode_classes(entry.get("classes"))
    return None if classes is None else (entry["source"], classes)


def _placer(plan: ModelPlan, display: str, locate: Locate | None) -> Place:
    """A pointer into the plan's document (whose components carry class names) -> a diagnostic
    at the pointer the spec's bundle wrote it at: its line when `locate` is given, else line 1."""
    origins = {name: pointer for pointer, name in plan.entry_classes.items()}
    origins.update({name: pointer for pointer, name in plan.schema_classes.items()})

    def place(pointer: str, message: str, severity: Severity) -> Diagnostic:
        tokens = jp.split(pointer) if pointer.startswith("#/") else []
        if len(tokens) >= 3 and tokens[:2] == ["components", "schemas"] and tokens[2] in origins:
            pointer = jp.join(origins[tokens[2]], *tokens[3:])
        if locate is not None:
            return locate(pointer, message, severity, "models")
        return Diagnostic(display, 1, 1, severity, message, pointer or "#", "models")

    return place


_SCHEMA_PATH = re.compile(r"^Error at schema path '(#/[^']*)'")


def _schema_path(message: str) -> str:
    """The schema the library names in its error (`#/components/schemas/X/...`), else `#`."""
    found = _SCHEMA_PATH.match(message)
    return found[1] if found else "#"


def _failed(place: Place, message: str, pointer: str = "#") -> SpecError:
    return SpecError([place(pointer, message, Severity.ERROR)])
