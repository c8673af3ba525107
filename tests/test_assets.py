"""The runtime ships as it is written: `apiforge.runtime` becomes each package's `_runtime/`."""

from __future__ import annotations

import ast
from pathlib import PurePosixPath

from apiforge.codegen import assets


def test_every_runtime_module_ships_at_its_own_path_byte_for_byte() -> None:
    files = assets.runtime_files()
    sources = {p.relative_to(assets.RUNTIME).as_posix(): p for p in assets.RUNTIME.rglob("*.py")}
    assert set(files) == {f"_runtime/{name}" for name in sources}
    for name, path in sources.items():
        assert files[f"_runtime/{name}"] == path.read_bytes(), name
    for package in ("", "client/", "server/"):  # both parts are packages inside the package
        assert f"_runtime/{package}__init__.py" in files
    assert "_runtime/client/errors.py" in files and "_runtime/server/errors.py" in files


def test_the_runtime_imports_nothing_of_apiforge_outside_itself() -> None:
    """A generated package carries `_runtime/` and nothing else of apiforge: every import in it
    is a library's, or relative and resolving to a module it ships."""
    shipped = {PurePosixPath(name.removeprefix("_runtime/")) for name in assets.runtime_files()}
    relative = 0
    for name, source in assets.runtime_files().items():
        module = PurePosixPath(name.removeprefix("_runtime/"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                assert not [a for a in node.names if a.name.split(".")[0] == "apiforge"], name
            elif isinstance(node, ast.ImportFrom) and not node.level:
                assert (node.module or "").split(".")[0] != "apiforge", name
            elif isinstance(node, ast.ImportFrom):
                relative += 1
                assert node.level <= len(module.parts), (name, "climbs out of _runtime/")
                base = module.parents[node.level - 1]
                target = base.joinpath(*(node.module or "").split("."))
                assert {PurePosixPath(f"{target}.py"), target / "__init__.py"} & shipped, (
                    name,
                    node.module,
                )
    assert relative > 20


def test_templates_are_read_from_the_checkout_or_the_wheel() -> None:
    assert (assets.templates_dir() / "server.py.jinja").is_file()
