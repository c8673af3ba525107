"""The breaking-change engine behind `apiforge diff` and `apiforge check --base`."""

from apiforge.diff.documents import (
    ALL_KINDS,
    DECLARATIONS_KEY,
    Change,
    Declaration,
    DeclarationError,
    DiffResult,
    Locator,
    SourcePlace,
    diff_documents,
    parse_declarations,
)

__all__ = [
    "ALL_KINDS",
    "DECLARATIONS_KEY",
    "Change",
    "Declaration",
    "DeclarationError",
    "DiffResult",
    "SourcePlace",
    "Locator",
    "diff_documents",
    "parse_declarations",
]
