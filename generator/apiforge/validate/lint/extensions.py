"""The x-apiforge-* extensions have the shapes docs/extensions.md gives them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from apiforge.document import pointer as jp
from apiforge.validate.lint.registry import Context, Finding, rule


def _is_pointer(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("/")


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


@rule("apiforge-extensions")
def apiforge_extensions(ctx: Context) -> Iterator[Finding]:
    """The x-apiforge-* extensions have the shapes docs/extensions.md gives them."""
    envelope = ctx.data.get("x-apiforge-error-envelope")
    if envelope is not None:
        at = "#/x-apiforge-error-envelope"
        if not isinstance(envelope, dict) or not _is_pointer(envelope.get("message")):
            yield Finding(
                at, "x-apiforge-error-envelope needs `message`: a JSON pointer like /error/message"
            )
        else:
            for key, value in envelope.items():
                if key not in ("message", "status", "type", "code"):
                    yield Finding(
                        jp.join(at, key), f"unknown x-apiforge-error-envelope key {key!r}"
                    )
                elif not _is_pointer(value):
                    yield Finding(
                        jp.join(at, key), f"{key} must be a JSON pointer like /error/{key}"
                    )
    for found in ctx.operations:
        op, at = found.operation, found.pointer
        limit = op.get("x-apiforge-rate-limit")
        if limit is not None and (
            not isinstance(limit, dict) or not _positive_number(limit.get("requests-per-second"))
        ):
            where = jp.join(at, "x-apiforge-rate-limit")
            yield Finding(where, "x-apiforge-rate-limit needs a positive `requests-per-second`")
        stream = op.get("x-apiforge-stream")
        if stream is not None and (
            not isinstance(stream, dict) or not isinstance(stream.get("flag", ""), str)
        ):
            yield Finding(
                jp.join(at, "x-apiforge-stream"),
                "x-apiforge-stream must be a mapping with a string `flag`",
            )
        no_tools = op.get("x-apiforge-models-without-tools")
        prefixes = no_tools.get("prefixes") if isinstance(no_tools, dict) else None
        if no_tools is not None and not (
            isinstance(prefixes, list) and all(isinstance(p, str) for p in prefixes)
        ):
            where = jp.join(at, "x-apiforge-models-without-tools")
            yield Finding(
                where, "x-apiforge-models-without-tools needs `prefixes`: a list of strings"
            )
    for tokens, node in ctx.having("x-apiforge-unknown-properties"):
        unknown = node.get("x-apiforge-unknown-properties")
        if unknown is not None and unknown not in ("ignore", "reject"):
            where = jp.from_tokens([*tokens, "x-apiforge-unknown-properties"])
            yield Finding(where, "x-apiforge-unknown-properties is `ignore` or `reject`")
