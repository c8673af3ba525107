"""`pattern` inclusion: JSON Schema's unanchored ECMA-262 search, decided on automata in bounded
time, or no verdict."""

from __future__ import annotations

import time

import pytest

from apiforge.diff.patterns import includes, matches_everything

CASES = [
    # (wide, narrow, every narrow string matches wide?)
    ((".*",), (r"^\w+$",), True),
    ((r"^\w+$",), (".*",), False),
    (("^[a-z0-9]+$",), ("^[a-z]+$",), True),
    (("^[a-z]+$",), ("^[a-z0-9]+$",), False),
    (("abc",), ("^xabcx$",), True),  # unanchored: a search finds `abc` inside
    (("b",), ("^abc$",), True),
    (("^[a-c]+$",), ("^[b-d]+$",), False),
    ((r"^[0-9]{3}-[0-9]{4}$",), (r"^\d{3}-\d{4}$",), True),
    ((r"^\d{3}-\d{4}$",), (r"^[0-9]{3}-[0-9]{4}$",), True),
    ((r"^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$",), (r"^[a-z]+@[a-z]+\.com$",), True),
    ((r"^sk-[A-Za-z0-9]{20,64}$",), (r"^sk-[A-Za-z0-9]{21,64}$",), True),
    ((r"^sk-[A-Za-z0-9]{21,64}$",), (r"^sk-[A-Za-z0-9]{20,64}$",), False),
    ((r"^https?://[^\s/$.?#].[^\s]*$",), ("^https://[a-z]+$",), False),  # `https://a` fails
    (("^x",), ("^x", "y$"), True),  # allOf: both must match
    (("y$", "^x"), ("^x",), False),
    ((".",), ("",), False),  # no pattern admits the empty string
    (("^(a+)+$",), ("^a{1,5}$",), True),
    (("^a.b$",), ("^a\nb$",), False),  # ECMA's `.` matches no line terminator
    (("(?=a)",), ("a",), None),  # look-ahead: no verdict
    (("(a)\\1",), ("aa",), None),  # back-reference: no verdict
    (("(?i)a",), ("a",), None),  # inline flags: no verdict
    (("^a|b$",), ("a",), None),  # an anchor inside an alternative: no verdict
]


@pytest.mark.parametrize(("wide", "narrow", "expected"), CASES)
def test_includes(wide: tuple[str, ...], narrow: tuple[str, ...], expected: bool | None) -> None:
    assert includes(frozenset(wide), frozenset(narrow)) is expected


@pytest.mark.parametrize("pattern", [r"^.*a.{25}$", r"^(a|b)*a(a|b){20}$", "x{300}", "x{5000}"])
def test_automata_that_grow_past_the_budget_give_no_verdict_quickly(pattern: str) -> None:
    """`.*a.{25}` needs 2^26 subset states: the comparison stops and says nothing."""
    start = time.perf_counter()
    assert includes(frozenset([pattern]), frozenset([pattern])) is None
    assert time.perf_counter() - start < 5


def test_match_everything_spellings() -> None:
    assert all(matches_everything(p) for p in ("", ".*", "^.*$", r"[\s\S]*"))
    assert not matches_everything(".+")
    assert includes(frozenset([".*"]), frozenset(["(?=x)"])) is True
