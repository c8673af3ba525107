"""An OpenAPI validator's error -> the message we print: short, and the same on every run.

Shared by both validators (openapi-spec-validator and its Rust port give the same errors), so a
document reads the same whichever of them placed its errors.
"""

from __future__ import annotations

import ast
import re
from typing import Any

__all__ = ["describe"]

_LISTED = re.compile(r"^(Required list has not defined properties: )(\[.*\])$")


def describe(error: Any) -> str:
    """The message, but an object or array that fits none of its forms is not quoted whole (a
    response with its examples makes a message of pages): the closest form's complaint is."""
    keyword = error.validator if isinstance(error.validator, str) else None
    if keyword is None and error.schema_path:  # a backend that leaves `validator` unset
        keyword = str(error.schema_path[-1])
    if keyword not in ("oneOf", "anyOf") or not isinstance(error.instance, dict | list):
        return _message(error)
    kind = "object" if isinstance(error.instance, dict) else "array"
    text = f"this {kind} is not valid under any of the given schemas"
    try:
        from jsonschema.exceptions import best_match

        closest = best_match([error])
    except Exception:  # an error a backend built without all that relevance needs
        closest = None
    if closest is not None and closest is not error:
        text += f" (closest: {_message(closest)})"
    return text


def _message(error: Any) -> str:
    # the first paragraph: some backends append "Failed validating ... On instance ..." to it
    message = " ".join(str(error.message).strip().split("\n\n")[0].split())
    listed = _LISTED.match(message)
    if listed:  # the library lists these from a set: sort them so output is the same every run
        try:
            names = sorted(map(str, ast.literal_eval(listed.group(2))))
        except (ValueError, SyntaxError):
            names = None
        if names is not None:
            message = listed.group(1) + repr(names)
    if len(message) > 300:
        message = message[:297] + "..."
    return message
