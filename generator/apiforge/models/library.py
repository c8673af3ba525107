"""ModelPlan -> models.py source, through datamodel-code-generator called as a library.

Its input is our bundled, renamed document with only local refs, so it never reads a file or the
network. Its own formatting is off: the format stage runs ruff once over the whole package.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apiforge.document import pointer as jp
from apiforge.findings.diagnostic import Diagnostic, Severity, SpecError
from apiforge.models import unsatisfiable
from apiforge.models import worker as model_worker
from apiforge.models.cache import OFF, ModelCache, cache_key
from apiforge.models.input import model_input
from apiforge.models.source import annotated_names, optional_admits_none, refuse_every_value
from apiforge.output.fingerprint import generator_fingerprint
from apiforge.plan.operations import ModelPlan

# pointer, message, severity, rule -> the diagnostic at the file and line that pointer was written
# (`Bundle.diagnostic`); without one, diagnostics name the pointer at line 1
Locate = Callable[[str, str, Severity, str], Diagnostic]


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
    """What models.py defines, read from its syntax tree (never by importing it), and what the
    reader of the spec should know about how it was made (warnings at the schemas concerned)."""

    classes: dict[str, ModelClass]
    warnings: tuple[Diagnostic, ...] = ()
    from_cache: bool = False  # read from the model cache: the library and our edits did not run


_DEDUPE_OPTION = "--dedupe-request-response-variants"

EMPTY_MODELS = (
    '\n\n"""This API declares no schemas, so there are no models."""\n\n__all__: list[str] = []\n'
)


def generate_models(plan: ModelPlan, header: str, display: str) -> str:
    """models.py's source: SpecError when the library fails or writes what we refuse."""
    return build_models(plan, header, display)[0]


def build_models(
    plan: ModelPlan,
    header: str,
    display: str,
    *,
    submitted: bool = False,
    locate: Locate | None = None,
    cache: ModelCache = OFF,
) -> tuple[str, ModelIndex]:
    """models.py's source and what it defines, from one parse of what the library wrote (a
    large module takes a fifth of a second to parse: OpenAI's 900 KB once, not four times).

    `submitted`: the model worker was given this plan's bundle (`model_worker.submit_data`) and
    has been working on it meanwhile; its answer is collected here. `locate` places diagnostics.
    `cache` holds the library's output and our edits of it from earlier runs (model_cache.py).
    """
    place = _placer(plan, display, locate)
    early = model_worker.collect() if submitted else model_worker.NO_ANSWER
    if not _has_schemas(plan):  # the library refuses a document without models
        source = header + EMPTY_MODELS
        return source, index_models(source)
    try:
        if isinstance(early, BaseException):
            raise early
        out = early
        if out is model_worker.NO_ANSWER:  # no worker, or it died: the library runs here
            out = cached_library(library_input(plan), header, cache)
    except RecursionError:
        raise _failed(place, "schemas nest too deeply to generate models") from None
    except Exception as exc:  # the library's errors are many and untyped
        message = " ".join(str(exc).split())[:400] or type(exc).__name__
        raise _failed(place, f"cannot generate models: {message}", _schema_path(message)) from None
    if not isinstance(out, str):
        raise _failed(place, "the model generator returned several modules; expected one")
    never = unsatisfiable.find(plan.document)
    key = _key(cache, "models", out, json.dumps(never.classes))
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
    """The library's models.py made what we ship (model_source.py), and the classes it defines."""
    try:
        tree = ast.parse(out)
    except (SyntaxError, RecursionError):  # the library wrote what Python cannot read
        raise _failed(place, "the model generator wrote code Python cannot parse") from None
    foreign = _foreign_imports(tree)
    if foreign:
        raise _failed(place, f"the models would import {', '.join(foreign)}; refused")
    source, tree = _unshadow_field_types(out, tree)
    fixed = refuse_every_value(optional_admits_none(source, tree), tree, never)
    if fixed != source:  # the edits keep or add lines: the rest needs the tree of the new text
        source, tree = fixed, ast.parse(fixed)
    casts = _model_literal_defaults(tree)
    marks = _lines_mypy_refuses(tree) - {stmt.lineno for stmt in casts}
    if marks or casts:  # comments and casts: the tree still describes the module's models
        rows = source.splitlines(keepends=True)
        _mark(rows, marks)
        if casts:
            _cast_defaults(rows, casts, tree)  # last: it inserts a line
        source = "".join(rows)
    return source, _index_tree(tree).classes


def cached_library(text: str, header: str, cache: ModelCache) -> Any:
    """`run_library`, or its output for the same input from an earlier run."""
    key = _key(cache, "library", header, text)
    kept = cache.get(key)
    if kept is not None and isinstance(kept.get("output"), str):
        return kept["output"]
    out = run_library(text, header)
    if isinstance(out, str):
        cache.put(key, {"output": out})
    return out


def _key(cache: ModelCache, *parts: str) -> str:
    """The cache key of `parts` with our fingerprint; nothing to hash when the cache is off."""
    return cache_key(generator_fingerprint(), *parts) if cache.enabled else ""


def encode_classes(classes: dict[str, ModelClass]) -> list[Any]:
    """The index as JSON: [name, is_root, [[field, wire name, annotation, required], ...]]."""
    return [
        [c.name, c.is_root, [[f.name, f.wire_name, f.annotation, f.required] for f in c.fields]]
        for c in classes.values()
    ]


def _kept_models(entry: dict[str, Any] | None) -> tuple[str, dict[str, ModelClass]] | None:
    """A cache entry of `encode_classes` and the source read back; None when it is not one."""
    if entry is None or not isinstance(entry.get("source"), str):
        return None
    try:
        classes = {
            str(name): ModelClass(
                str(name),
                tuple(ModelField(str(a), str(b), str(c), bool(d)) for a, b, c, d in rows),
                bool(root),
            )
            for name, root, rows in entry["classes"]
        }
    except (KeyError, TypeError, ValueError):
        return None
    return entry["source"], classes


def _has_schemas(plan: ModelPlan) -> bool:
    return bool(plan.document.get("components", {}).get("schemas"))


def library_input(plan: ModelPlan) -> str:
    """The JSON text the library reads for `plan`."""
    return json.dumps(model_input(plan.document))


def models_of_data(data: dict[str, Any], header: str, cache: ModelCache = OFF) -> Any:
    """What the worker does with a bundle's data: plan it, then the library's output for it
    (None when there are no schemas). The parent plans the same data the same way."""
    from apiforge.plan.operations import plan_data

    plan = plan_data(data)
    return cached_library(library_input(plan), header, cache) if _has_schemas(plan) else None


def run_library(text: str, header: str) -> Any:
    """datamodel-code-generator's models.py for the document `text`, its errors as they are."""
    from datamodel_code_generator import (  # type: ignore[attr-defined, unused-ignore]
        DataModelType,
        InputFileType,
        PythonVersion,
        ReadOnlyWriteOnlyModelType,
        generate,
    )

    options: dict[str, Any] = dict(
        input_file_type=InputFileType.OpenAPI,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        use_standard_collections=True,
        use_union_operator=True,
        field_constraints=True,
        use_annotated=True,  # constraints as Annotated metadata: never calls in annotations
        # Cat plus CatRequest (no readOnly fields) and CatResponse (no writeOnly ones)
        read_only_write_only_model_type=ReadOnlyWriteOnlyModelType.All,
        disable_timestamp=True,
        enum_field_as_literal="all",
        collapse_root_models=True,
        allow_population_by_field_name=True,
        use_double_quotes=True,
        use_schema_description=True,
        use_field_description=True,
        keep_field_defaults_off_branch_roots=True,
        strict_nullable=True,
        custom_file_header=header,
        formatters=[],
    )
    options["allow_remote_refs"] = False  # the bundle has only local refs; never fetch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return generate(text, **options)
        except Exception as exc:
            if _DEDUPE_OPTION not in str(exc):
                raise
            # the library's own advice, for the read/write variants it cannot split one by
            # one (seen in Azure's applicationGateway document); other documents keep theirs
            return generate(text, **options, dedupe_request_response_variants=True)


def warm_library() -> None:
    """Import what `run_library` needs (a third of a second), ahead of the first call."""
    import datamodel_code_generator.parser.openapi  # noqa: F401


_SAFE_MODULES = {"__future__", "typing", "typing_extensions", "pydantic", "datetime", "enum"}
_SAFE_MODULES |= {"uuid", "decimal", "ipaddress", "collections.abc", "pathlib", "re"}


def foreign_imports(source: str) -> list[str]:
    """Modules the generated source imports beyond those plain pydantic models need."""
    return _foreign_imports(ast.parse(source))


# A field named `list` makes the library take the type under another name:
# `from builtins import list as list_aliased` (seen in Google's Tool Results document). Builtin
# types are fine to import; any other builtin (`eval`, `open`, `__import__`) is not.
_SAFE_BUILTINS = {"list", "dict", "set", "frozenset", "tuple", "str", "int", "float", "bool"}
_SAFE_BUILTINS |= {"bytes", "bytearray", "complex", "object", "type"}


def _foreign_imports(tree: ast.Module) -> list[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            if not (node.module == "builtins" and node.level == 0 and names <= _SAFE_BUILTINS):
                found.add(node.module or ".")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return sorted(m for m in found if m not in _SAFE_MODULES)


# What pydantic allows and mypy cannot see: an allOf schema that redefines a field of its base with
# another type (or two bases that disagree about one), a raw default that `validate_default=True`
# turns into the field's RootModel (lists and dicts of models are cast instead, see
# `_model_literal_defaults`), and a default written as the text or number of a converted type (a
# URL, a date, a duration, a Decimal, bytes), which pydantic keeps as written. Silenced on those
# lines only; `unused-ignore` keeps a compatible one quiet under strict mypy.
_OVERRIDE_IGNORE = "# type: ignore[assignment, misc, unused-ignore]"

# Types a default of another JSON type cannot be, for mypy, though pydantic accepts the text.
_CONVERTED_TYPES = {"AnyUrl", "datetime", "date", "time", "timedelta", "Decimal", "UUID", "bytes"}
_CONVERTED_TYPES |= {"AwareDatetime", "NaiveDatetime", "PastDate", "FutureDate", "UUID4"}


def _unshadow_field_types(source: str, tree: ast.Module) -> tuple[str, ast.Module]:
    """A field named like a class (`ResourceArn`) or a builtin type (`list`), then used as a type
    by a later field of the same class (`list[ResourceArn]`): in the class body mypy reads the name
    as the field (valid-type), pydantic as the type. The later uses go through a module-level
    alias of the type instead (seen in AWS WAF's and GoDaddy's public documents); one per name,
    right after its class, or after the imports for a builtin.
    Returns the source and its tree (parsed again only if it changed).
    """
    defined = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    uses: dict[int, list[tuple[int, int, str]]] = {}  # line -> (start, end byte offset, name)
    for cls in defined.values():
        fields: set[str] = set()
        for stmt in cls.body:
            if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                continue
            for part in ast.walk(stmt.annotation):
                if isinstance(part, ast.Name) and part.id in fields and part.end_col_offset:
                    where = (part.col_offset, part.end_col_offset, part.id)
                    uses.setdefault(part.lineno, []).append(where)
            if stmt.target.id in defined or stmt.target.id in _SAFE_BUILTINS:
                fields.add(stmt.target.id)
    if not uses:
        return source, tree
    taken = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | set(defined)
    aliases: dict[str, str] = {}
    for shadowed in sorted({name for spots in uses.values() for _, _, name in spots}):
        alias, n = f"_{shadowed}Type", 2
        while alias in taken:
            alias, n = f"_{shadowed}Type{n}", n + 1
        aliases[shadowed] = alias
        taken.add(alias)
    lines = source.splitlines(keepends=True)
    for number, spots in uses.items():
        raw = lines[number - 1].encode()  # ast offsets count UTF-8 bytes
        for start, end, name in sorted(spots, reverse=True):
            raw = raw[:start] + aliases[name].encode() + raw[end:]
        lines[number - 1] = raw.decode()
    after_imports = max(
        (n.end_lineno or 0 for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)),
        default=0,
    )

    def place(name: str) -> int:  # a class's alias right after it; a builtin's after the imports
        return (defined[name].end_lineno or len(lines)) if name in defined else after_imports

    for shadowed in sorted(aliases, key=lambda n: -place(n)):
        alias_line = (
            f"\n\n{aliases[shadowed]} = {shadowed}  # a field of that name shadows it below\n"
        )
        lines.insert(place(shadowed), alias_line)
    changed = "".join(lines)
    return changed, ast.parse(changed)


def _lines_mypy_refuses(tree: ast.Module) -> set[int]:
    """Fields that redefine an ancestor's annotation, classes whose bases disagree, converted defaults."""
    fields: dict[str, dict[str, tuple[str, int]]] = {}
    bases: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            bases[node.name] = [ast.unparse(b) for b in node.bases]
            fields[node.name] = {
                stmt.target.id: (ast.unparse(stmt.annotation), stmt.lineno)
                for stmt in node.body
                if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
            }

    def ancestors(name: str, seen: frozenset[str]) -> list[dict[str, tuple[str, int]]]:
        maps = []
        for base in bases[name]:
            if base in fields and base not in seen:
                maps.append(fields[base])
                maps.extend(ancestors(base, seen | {name}))
        return maps

    lineage = {name: ancestors(name, frozenset()) for name in fields}  # once per class
    lines = {
        line
        for name, own in fields.items()
        for field, (annotation, line) in own.items()
        if any(field in m and m[field][0] != annotation for m in lineage[name])
    }

    def inherited(name: str) -> dict[str, set[str]]:
        """Field -> the annotations it has across every in-module ancestor of `name`."""
        found: dict[str, set[str]] = {}
        for own in [fields[name], *lineage[name]]:
            for field, (annotation, _) in own.items():
                found.setdefault(field, set()).add(annotation)
        return found

    for node in tree.body:  # two bases that disagree about a field (mypy: misc, on the class line)
        if isinstance(node, ast.ClassDef) and len(bases[node.name]) > 1:
            parents = [inherited(b) for b in bases[node.name] if b in fields]
            shared = set().union(*parents) if parents else set()
            if any(len(set().union(*(p.get(f, set()) for p in parents))) > 1 for f in shared):
                lines.add(node.lineno)
    lines |= {
        stmt.lineno
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for stmt in node.body
        if isinstance(stmt, ast.AnnAssign)
        and stmt.value is not None
        and (
            "validate_default=True" in ast.unparse(stmt.annotation)
            or _default_of_another_type(stmt.value, stmt.annotation)
        )
    }
    return lines


def _model_literal_defaults(tree: ast.Module) -> list[ast.AnnAssign]:
    """Defaults written as plain JSON (`[{"color": "black"}]`) for fields of models, which
    `validate_default=True` turns into the models. mypy would report each item, on whatever line
    the formatter puts it, so the value is handed over as `cast(Any, ...)` instead of silenced."""
    return [
        stmt
        for node in tree.body
        if isinstance(node, ast.ClassDef)
        for stmt in node.body
        if isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.value, ast.List | ast.Dict | ast.Set | ast.Tuple)
        and "validate_default=True" in ast.unparse(stmt.annotation)
    ]


def _cast_defaults(text: list[str], statements: list[ast.AnnAssign], tree: ast.Module) -> None:
    """`= VALUE` -> `= cast(Any, VALUE)` in place, line for line, and the import that needs
    (after `from __future__`, where ruff merges it with the module's other typing import)."""
    for stmt in statements:
        value = stmt.value
        if value is None or value.end_lineno is None or value.end_col_offset is None:
            continue
        first, last = value.lineno - 1, value.end_lineno - 1
        end_row = text[last].encode()  # ast offsets count UTF-8 bytes
        text[last] = (
            end_row[: value.end_col_offset] + b")" + end_row[value.end_col_offset :]
        ).decode()
        start_row = text[first].encode()
        text[first] = (
            start_row[: value.col_offset] + b"cast(Any, " + start_row[value.col_offset :]
        ).decode()
    future = [n for n in tree.body if isinstance(n, ast.ImportFrom) and n.module == "__future__"]
    at = future[0].end_lineno or 0 if future else 0
    text[at:at] = ["from typing import Any, cast\n"]


def _default_of_another_type(value: ast.expr, annotation: ast.expr) -> bool:
    """A literal default (`"7.00:00:00"`, `1`) for a converted type (`timedelta`, `Decimal`)
    that the annotation does not also allow as written."""
    if not isinstance(value, ast.Constant) or isinstance(value.value, bool) or value.value is None:
        return False
    names = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)}
    written = type(value.value).__name__  # str, int, float, bytes
    allowed = {written, "float"} if written == "int" else {written}
    return bool(names & _CONVERTED_TYPES) and not names & allowed


def _mark_lines(source: str, lines: set[int]) -> str:
    """Add _OVERRIDE_IGNORE to each line (the first of a statement), before any comment on it."""
    text = source.splitlines(keepends=True)
    _mark(text, lines)
    return "".join(text)


def _mark(text: list[str], lines: set[int]) -> None:
    """`_mark_lines` on the module's lines, in place: each entry stays the line it was."""
    for line in lines:
        row = text[line - 1]
        ending = row[len(row.rstrip("\r\n")) :]
        cut = _comment_column(row)
        if cut is None:
            cut = len(row) - len(ending)
        code, rest = row[:cut].rstrip(), row[cut : len(row) - len(ending)]
        if code.startswith("class ") and "(" in code and code.endswith("):"):
            # after the `(`, so the comment stays on the class line however ruff wraps the bases
            head, _, bases = code.partition("(")
            text[line - 1] = f"{head}(  {_OVERRIDE_IGNORE}{ending}    {bases}{ending}"
            continue
        text[line - 1] = f"{code}  {_OVERRIDE_IGNORE}{'  ' + rest if rest else ''}{ending}"


def _comment_column(row: str) -> int | None:
    """Where a comment starts on a line that starts a statement, which may go on below."""
    found = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(row).readline):
            if token.type == tokenize.COMMENT and token.start[0] == 1:
                found = token.start[1]
    except tokenize.TokenError:  # the statement goes on past this line: its tokens so far count
        pass
    return found


_NEVER_NOTE = "this schema can never match (it includes `false`): its model refuses every value"

Place = Callable[[str, str, Severity], Diagnostic]


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


def index_models(source: str) -> ModelIndex:
    return _index_tree(ast.parse(source))


def _index_tree(tree: ast.Module) -> ModelIndex:
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
    return ModelIndex(classes)


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
