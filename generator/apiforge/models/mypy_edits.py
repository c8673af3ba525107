"""Edits to the library's models.py so strict mypy accepts what pydantic accepts.

The library writes models that pydantic runs as the schema means and mypy reads otherwise: a field
that shadows a type a later field uses, a subclass that redefines a field, a default of another
type than its field. Each edit works on the lines the syntax tree names; `unshadow_field_types`
returns the new tree, and after `satisfy_mypy` (comments and casts) the old tree still describes
the module's classes and fields, which is all the index reads from it.
"""

from __future__ import annotations

import ast
import io
import tokenize

from apiforge.models.allowed_imports import BUILTIN_TYPES

__all__ = ["IGNORE", "mark_lines", "satisfy_mypy", "unshadow_field_types"]

# What pydantic allows and mypy cannot see: an allOf schema that redefines a field of its base with
# another type (or two bases that disagree about one), a raw default that `validate_default=True`
# turns into the field's RootModel (lists and dicts of models are cast instead, see
# `_model_literal_defaults`), and a default written as the text or number of a converted type (a
# URL, a date, a duration, a Decimal, bytes), which pydantic keeps as written. Silenced on those
# lines only; `unused-ignore` keeps a compatible one quiet under strict mypy.
IGNORE = "# type: ignore[assignment, misc, unused-ignore]"

# Types a default of another JSON type cannot be, for mypy, though pydantic accepts the text.
_CONVERTED_TYPES = {"AnyUrl", "datetime", "date", "time", "timedelta", "Decimal", "UUID", "bytes"}
_CONVERTED_TYPES |= {"AwareDatetime", "NaiveDatetime", "PastDate", "FutureDate", "UUID4"}


def unshadow_field_types(source: str, tree: ast.Module) -> tuple[str, ast.Module]:
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
            if stmt.target.id in defined or stmt.target.id in BUILTIN_TYPES:
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


def satisfy_mypy(source: str, tree: ast.Module) -> str:
    """`source` (whose tree is `tree`) with the literal defaults of model fields cast and the
    other lines mypy refuses marked `IGNORE`."""
    casts = _model_literal_defaults(tree)
    marks = _lines_mypy_refuses(tree) - {stmt.lineno for stmt in casts}
    if not marks and not casts:
        return source
    rows = source.splitlines(keepends=True)
    _mark(rows, marks)
    if casts:
        _cast_defaults(rows, casts, tree)  # last: it inserts a line
    return "".join(rows)


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


def mark_lines(source: str, lines: set[int]) -> str:
    """Add IGNORE to each line (the first of a statement), before any comment on it."""
    text = source.splitlines(keepends=True)
    _mark(text, lines)
    return "".join(text)


def _mark(text: list[str], lines: set[int]) -> None:
    """`mark_lines` on the module's lines, in place: each entry stays the line it was."""
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
            text[line - 1] = f"{head}(  {IGNORE}{ending}    {bases}{ending}"
            continue
        text[line - 1] = f"{code}  {IGNORE}{'  ' + rest if rest else ''}{ending}"


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
