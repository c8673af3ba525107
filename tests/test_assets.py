"""The runtime's two parts flatten into one `_runtime/` whose imports all resolve."""

from __future__ import annotations

import ast

import pytest

from apiforge.codegen import assets


def test_every_runtime_module_ships_once_under_its_flat_name() -> None:
    files = assets.runtime_files()
    expected = set()
    for part in ("client", "server"):
        for path in (assets.RUNTIME / part).glob("*.py"):
            if part == "server" and path.stem == "__init__":
                continue  # the shipped package's __init__ is the client's
            expected.add(f"_runtime/{assets.shipped_name(part, path.stem)}.py")
    assert set(files) == expected
    assert "_runtime/client_base.py" in files and "_runtime/server_errors.py" in files
    assert "_runtime/errors.py" in files  # the client's errors, beside server_errors


def test_every_relative_import_in_the_flat_runtime_names_a_shipped_module() -> None:
    shipped = {
        name.removeprefix("_runtime/").removesuffix(".py") for name in assets.runtime_files()
    }
    seen = 0
    for name, source in assets.runtime_files().items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom) and node.level:
                assert node.level == 1 and node.module in shipped, (name, node.module)
                seen += 1
    assert seen > 20


def test_server_modules_import_their_siblings_by_shipped_name() -> None:
    app = assets.runtime_files()["_runtime/server_app.py"]
    assert isinstance(app, bytes)
    assert b"from .server_errors import" in app and b"from .errors import" not in app


def test_an_import_of_a_module_the_part_lacks_is_refused() -> None:
    with pytest.raises(AssertionError, match="imports .missing"):
        assets._flatten_imports("from .missing import x\n", "server", {"app"})
    with pytest.raises(AssertionError, match="only"):
        assets._flatten_imports("from ..client import x\n", "server", {"app"})


def test_templates_are_read_from_the_checkout_or_the_wheel() -> None:
    assert (assets.templates_dir() / "server.py.jinja").is_file()
