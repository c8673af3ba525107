"""A problem at a JSON pointer of the document, before it has a file and a line: what lint rules,
repairs, model limits and the generator's notes all make. `Bundle.place` gives it its place as
a `Diagnostic`, the only value the printer prints."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from apiforge.findings.diagnostic import Severity

__all__ = ["Finding"]


@dataclass(frozen=True)
class Finding:
    """One problem at `pointer`; `relaxed`: an error for `validate` that `generate` warns about."""

    pointer: str
    message: str
    severity: Severity = Severity.ERROR
    rule: str = ""
    relaxed: bool = False

    def relax(self) -> Finding:
        """This finding as `generate` says it where the code stays well defined: an error becomes a
        warning that knows it was one."""
        if self.severity is not Severity.ERROR:
            return self
        return dataclasses.replace(self, severity=Severity.WARNING, relaxed=True)
