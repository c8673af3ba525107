"""Harmless mistakes of real documents repaired before models are made, each with a warning."""

from apiforge.findings.diagnostic import Severity
from apiforge.findings.finding import Finding

__all__ = ["repaired"]


def repaired(pointer: str, what: str) -> Finding:
    """The warning of one repair: what `generate` did to the document at `pointer`."""
    return Finding(pointer, what, Severity.WARNING, "repair")
