"""ECMA-262 patterns read as the spec means them by the engines that check them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from apiforge.document.patterns import ascii_classes
from tests.helpers import import_fresh, run_cli


@pytest.mark.parametrize(
    ("pattern", "ascii"),
    [
        (r"^\d+$", r"^[0-9]+$"),
        (r"[\w-]+_\d{12}", r"[A-Za-z0-9_-]+_[0-9]{12}"),
        (r"\\d", r"\\d"),  # an escaped backslash, then a plain d
        (r"[^\d]", r"[^0-9]"),
        (r"[]\d]", r"[]0-9]"),  # a leading ] is a member of the class
        (r"\D\W\s\b", r"[^0-9][^A-Za-z0-9_]\s\b"),
        (r"[\D]", r"[\D]"),  # no ASCII spelling inside a class: left as written
    ],
)
def test_digit_and_word_classes_are_spelled_as_ecma_ascii(pattern: str, ascii: str) -> None:
    assert ascii_classes(pattern) == ascii
    for text in ("7", "\u0661", "a", "\u00e9", "_", "-"):  # the rewrite means what (?a) means
        flags_ascii = re.search("(?a)" + pattern, text) is not None
        assert (re.search(ascii, text) is not None) == flags_ascii or pattern == r"[\D]"


def test_a_model_refuses_a_unicode_digit_where_the_spec_wants_an_ascii_one(tmp_path: Path) -> None:
    spec = tmp_path / "digits.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: d, version: '1'}\npaths: {}\n"
        "components:\n  schemas:\n    Code:\n      type: object\n      properties:\n"
        "        code: {type: string, pattern: '^\\d{3}-\\w+$'}\n"
    )
    done = run_cli("generate", str(spec), "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    models: Any = import_fresh(tmp_path / "out", "digits.models")
    assert models.Code.model_validate({"code": "123-ab_c"}).code == "123-ab_c"
    for refused in ("\u0661\u0662\u0663-ab", "123-\u00e9"):
        with pytest.raises(ValueError):
            models.Code.model_validate({"code": refused})
