"""ir.Api -> source text of each generated module, through Jinja2 templates that only loop and branch.

Every string that came from the spec reaches the output through `py_str` (a Python literal) or
`py_doc` (docstring text with backslashes and quotes escaped) or `py_json` (a JSON value's literal), so spec text is never code.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from apiforge.codegen import ir
from apiforge.codegen.assets import templates_dir
from apiforge.findings.diagnostic import UsageError


def py_str(value: Any) -> str:
    """A Python string literal that evaluates to exactly `value`."""
    return repr(str(value))


def py_json(text: str) -> str:
    """A Python literal that evaluates to the JSON value `text` holds (finite numbers only)."""
    return _literal(json.loads(text))


def _literal(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_str(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def py_doc(value: Any) -> str:
    """Text safe inside a triple-quoted docstring: no way to close it or to escape from it."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
    return " ".join(text.split())


BUILTIN_PREFIX = "apiforge"  # `{% extends "apiforge/client.py.jinja" %}` reaches the built-in one
_NOT_TEMPLATED = {"models.py"}  # written by datamodel-code-generator


@lru_cache(maxsize=4)
def environment(overrides: Path | None = None) -> jinja2.Environment:
    """Templates by name: the user's folder first, then ours (also under `apiforge/`)."""
    builtin = jinja2.FileSystemLoader(templates_dir())
    loaders: list[jinja2.BaseLoader] = [jinja2.PrefixLoader({BUILTIN_PREFIX: builtin})]
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(overrides))
    loaders.append(builtin)
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py_str"] = py_str
    env.filters["py_doc"] = py_doc
    env.filters["py_json"] = py_json
    return env


def module_templates(overrides: Path | None = None) -> list[str]:
    """The `<module>.py.jinja` names that become modules: ours, plus any the user's folder adds."""
    names = {p.name for p in templates_dir().glob("*.py.jinja")}
    if overrides is not None:
        names |= {p.name for p in overrides.glob("*.py.jinja") if p.is_file()}
    for name in names:
        module = name.removesuffix(".jinja")
        if module in _NOT_TEMPLATED or not module.removesuffix(".py").isidentifier():
            where = overrides / name if overrides else name
            raise UsageError(f"{where}: no template may be named {name!r}")
    return sorted(names)


def render_package(api: ir.Api, header: str, overrides: Path | None = None) -> dict[str, str]:
    """File name -> source for each templated module of the package."""
    env = environment(overrides)
    out: dict[str, str] = {}
    for name in module_templates(overrides):
        try:
            out[name.removesuffix(".jinja")] = env.get_template(name).render(api=api, header=header)
        except jinja2.TemplateSyntaxError as exc:
            raise UsageError(f"{exc.filename or name}:{exc.lineno}: {exc.message}") from None
        except jinja2.TemplateError as exc:
            raise UsageError(f"{_template_line(exc, name)}: {exc.message or exc}") from None
    return out


def warm_templates(overrides: Path | None = None) -> None:
    """Compile the templates now (a twentieth of a second), while the model worker is busy;
    a template that does not compile is reported by `render_package`, as ever."""
    env = environment(overrides)
    try:
        for name in module_templates(overrides):
            env.get_template(name)
    except (jinja2.TemplateError, UsageError, OSError):
        pass


def _template_line(exc: BaseException, name: str) -> str:
    """`file:line` of the innermost template frame of a render error (jinja keeps them)."""
    where, tb = name, exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".jinja"):
            where = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where
