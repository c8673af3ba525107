"""Server URLs: variables they use are defined, enums are not empty, no trailing slash."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.findings.diagnostic import Severity
from apiforge.validate.lint.registry import Context, Finding, rule

_VARIABLE = re.compile(r"\{([^{}]+)\}")


def _servers(ctx: Context) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, server) for the root's, each path item's and each operation's servers."""
    owners: list[tuple[str, Any]] = [("#", ctx.data)]
    owners += [(path_item.pointer, path_item.item) for path_item in ctx.path_items]
    owners += [(found.pointer, found.operation) for found in ctx.operations]
    for where, owner in owners:
        servers = owner.get("servers") if isinstance(owner, dict) else None
        for i, server in enumerate(servers if isinstance(servers, list) else []):
            if isinstance(server, dict) and isinstance(server.get("url"), str):
                yield jp.join(where, "servers", i), server


@rule("server-variables", relaxed_for_generate=True)
def server_variables(ctx: Context) -> Iterator[Finding]:
    """Each `{name}` in a server URL is a defined variable; an enum is not empty and holds the default."""
    for where, server in _servers(ctx):
        variables = server.get("variables")
        variables = variables if isinstance(variables, dict) else {}
        for name in _VARIABLE.findall(server["url"]):
            if name not in variables:
                message = f"server URL variable {{{name}}} is not defined in `variables`"
                yield Finding(jp.join(where, "url"), message)
        for name, variable in variables.items():
            enum = variable.get("enum") if isinstance(variable, dict) else None
            at = jp.join(where, "variables", str(name))
            if enum == [] and ctx.is_30:  # 3.1's schema refuses it already
                yield Finding(jp.join(at, "enum"), f"server variable {name!r} has an empty enum")
            elif isinstance(enum, list) and enum and variable.get("default") not in enum:
                message = f"server variable {name!r}: default {variable.get('default')!r} is not in its enum"
                yield Finding(jp.join(at, "default"), message)


@rule("server-trailing-slash", Severity.WARNING)
def server_trailing_slash(ctx: Context) -> Iterator[Finding]:
    """A server URL does not end in `/`: paths begin with one, and `//` is another URL."""
    for where, server in _servers(ctx):
        url = server["url"]
        if url.endswith("/") and url != "/" and not url.endswith("://"):
            yield Finding(jp.join(where, "url"), f"server URL {url!r} ends with '/'")
