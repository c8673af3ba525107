"""Problems found in a spec, as values: printed once by the CLI, never raised past it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

RELAXED = " (an error for `validate`; generate goes on)"


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
    relaxed: bool = False  # an error for `validate` that `generate` reports as a warning
    specs: tuple[str, ...] = ()  # the specs it concerns, when found through a shared file

    def format(self) -> str:
        """`FILE:LINE:COL: severity: MESSAGE [rule] (at POINTER)`; a file-level finding has no place."""
        rule = f" [{self.rule}]" if self.rule else ""
        if self.line <= 0:
            return f"{self.file}: {self.severity.value}: {self.text}{rule}"
        head = f"{self.file}:{self.line}:{self.col}: {self.severity.value}"
        return f"{head}: {self.text}{rule} (at {self.pointer or '#'})"

    @property
    def text(self) -> str:
        """The message as printed: what `generate` relaxed, and the specs of a shared file."""
        text = self.message + (RELAXED if self.relaxed else "")
        if self.specs and self.specs != (self.file,):
            text += f" (in {', '.join(self.specs)})"
        return text

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
