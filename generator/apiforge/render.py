"""ir.Api -> source text of each generated module, through Jinja2 templates that only loop and branch.

Every string that came from the spec reaches the output through `py_str` (a Python literal) or
`py_doc` (docstring text with backslashes and quotes escaped), so spec text is never code.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jinja2

from apiforge import ir
from apiforge.assets import templates_dir


def py_str(value: Any) -> str:
    """A Python string literal that evaluates to exactly `value`."""
    return repr(str(value))


def py_doc(value: Any) -> str:
    """Text safe inside a triple-quoted docstring: no way to close it or to escape from it."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["py_str"] = py_str
    env.filters["py_doc"] = py_doc
    return env


def render_package(api: ir.Api, header: str) -> dict[str, str]:
    """File name -> source for each templated module of the package."""
    env = environment()
    names = sorted(n for n in env.list_templates() if n.endswith(".py.jinja"))
    return {
        name.removesuffix(".jinja"): env.get_template(name).render(api=api, header=header)
        for name in names
    }
