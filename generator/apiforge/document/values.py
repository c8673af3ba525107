"""Values read out of a document where its grammar wants one kind: one of another kind reads as none."""

from __future__ import annotations

from typing import Any

__all__ = ["as_object"]


def as_object(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: a missing or malformed field has no keys."""
    return value if isinstance(value, dict) else {}
