"""Problems found in a spec, as values: printed once by the CLI, never raised past it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place: `FILE:LINE:COL: severity: message (at pointer)`."""

    file: str
    line: int
    col: int
    severity: Severity
    message: str
    pointer: str = ""
    rule: str = ""

    def format(self) -> str:
        where = f" (at {self.pointer or '#'})"
        rule = f" [{self.rule}]" if self.rule else ""
        head = f"{self.file}:{self.line}:{self.col}: {self.severity.value}"
        return f"{head}: {self.message}{rule}{where}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


class SpecError(Exception):
    """Bad input that stops a stage; carries the diagnostics that say why."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("; ".join(d.format() for d in diagnostics))
        self.diagnostics = diagnostics


class UsageError(Exception):
    """A usage or I/O problem: exit code 2."""


def located_error(
    file: str, message: str, line: int = 1, col: int = 1, pointer: str = "#", rule: str = ""
) -> SpecError:
    """A SpecError holding one error at one place."""
    return SpecError([Diagnostic(file, line, col, Severity.ERROR, message, pointer, rule)])


def has_errors(diagnostics: list[Diagnostic]) -> bool:
    return any(d.is_error for d in diagnostics)
