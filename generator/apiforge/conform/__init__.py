"""`apiforge conform`: live-endpoint checks, scenarios from the spec, stream and chat checks, reports.

contract (what the spec promises per operation) -> scenarios (the requests) -> runner (sends them,
bounded) -> judge and stream (plain answers; streams event by event) -> report (the formats).
"""

from __future__ import annotations

from apiforge.conform.checks import CHECKS, Check, Finding, Request
from apiforge.conform.contract import Contract, read
from apiforge.conform.report import FORMATS
from apiforge.conform.runner import DEFAULT_API_KEY, Options, Report, Unreachable, run

__all__ = [
    "CHECKS",
    "DEFAULT_API_KEY",
    "FORMATS",
    "Check",
    "Contract",
    "Finding",
    "Options",
    "Report",
    "Request",
    "Unreachable",
    "read",
    "run",
]
