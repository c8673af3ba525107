"""mypy_edits: what the library writes and strict mypy refuses is aliased, cast or marked, on the
lines concerned only, and mypy then accepts the module."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from apiforge.models.mypy_edits import IGNORE, mark_lines, satisfy_mypy, unshadow_field_types

# One of each: a field that shadows the class a later field uses, a subclass that redefines a
# field, two bases that disagree, a list of models written as JSON, a converted type's text.
LIBRARY_STYLE = """\
from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, Field, RootModel


class ResourceArn(RootModel[str]):
    root: str


class Logging(BaseModel):
    ResourceArn: ResourceArn
    Configs: list[ResourceArn]


class Pet(BaseModel):
    name: str | None = None


class Dog(Pet):
    name: int | None = None


class Named(BaseModel):
    x: str | None = None


class Numbered(BaseModel):
    x: int | None = None


class Both(Named, Numbered):
    pass


class Tag(BaseModel):
    name: str


class Box(BaseModel):
    tags: Annotated[list[Tag], Field(validate_default=True)] = [{"name": "a"}]
    wait: timedelta | None = "7.00:00:00"
"""


def edited(source: str) -> str:
    """What the model stage does for mypy, in its order."""
    source, tree = unshadow_field_types(source, ast.parse(source))
    return satisfy_mypy(source, tree)


def test_strict_mypy_refuses_the_librarys_module_and_accepts_it_edited(tmp_path: Path) -> None:
    (tmp_path / "as_written.py").write_text(LIBRARY_STYLE)
    (tmp_path / "as_shipped.py").write_text(edited(LIBRARY_STYLE))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--no-error-summary"]
        + ["as_written.py", "as_shipped.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in done.stdout.splitlines() if ": error:" in line]
    assert not [e for e in errors if e.startswith("as_shipped.py")], done.stdout
    codes = {e.rsplit("[", 1)[1].rstrip("]") for e in errors}
    assert codes == {"valid-type", "assignment", "misc", "list-item"}, done.stdout


def test_only_the_lines_mypy_refuses_change() -> None:
    rows = edited(LIBRARY_STYLE).splitlines()
    marked = sorted(row.split(IGNORE)[0].strip() for row in rows if IGNORE in row)
    assert marked == [
        "class Both(",
        "name: int | None = None",
        'wait: timedelta | None = "7.00:00:00"',
    ]
    assert '= cast(Any, [{"name": "a"}])' in rows[-2]
    assert rows[1] == "from typing import Any, cast"  # after `from __future__`
    assert "    Configs: list[_ResourceArnType]" in rows
    assert "_ResourceArnType = ResourceArn  # a field of that name shadows it below" in rows
    assert "    ResourceArn: ResourceArn" in rows  # the field's own annotation is right


def test_a_field_named_like_a_builtin_type_is_aliased_after_the_imports() -> None:
    source = "from pydantic import BaseModel\n\n\nclass Report(BaseModel):\n    list: str\n    names: list[str]\n"
    changed, tree = unshadow_field_types(source, ast.parse(source))
    assert changed.splitlines()[3] == "_listType = list  # a field of that name shadows it below"
    assert "    names: _listType[str]" in changed.splitlines()
    assert ast.dump(tree) == ast.dump(ast.parse(changed))


def test_a_module_mypy_accepts_is_left_as_it_is() -> None:
    source = (
        "from pydantic import BaseModel\n\n\nclass Pet(BaseModel):\n    name: str | None = None\n"
    )
    tree = ast.parse(source)
    assert unshadow_field_types(source, tree) == (source, tree)
    assert satisfy_mypy(source, tree) == source


def test_marks_go_before_a_comment_and_on_the_first_line_of_a_statement() -> None:
    source = (
        "class A(Base):\n"
        "    x: int = 1  # from the spec\n"
        "    y: Annotated[\n"
        "        str, Field(description='a # in text')\n"
        "    ] = 'v'\n"
        "    z: str = '# not a comment'\n"
    )
    marked = mark_lines(source, {1, 2, 3, 6}).splitlines()
    assert marked[0] == f"class A(  {IGNORE}"
    assert marked[1] == "    Base):"
    assert marked[2] == f"    x: int = 1  {IGNORE}  # from the spec"
    assert marked[3] == f"    y: Annotated[  {IGNORE}"
    assert marked[6] == f"    z: str = '# not a comment'  {IGNORE}"
