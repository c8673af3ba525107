"""Bytes -> Document: plain JSON-like data that still knows the file, line and column of each node.

YAML is built from PyYAML's events (`load_yaml`), JSON by the stdlib parser with a small scanner
that finds positions lazily (`load_json`); both are held to the same limits, set here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apiforge.document import pointer as jp
from apiforge.document.load_json import index_json, load_error, parse_json
from apiforge.document.load_yaml import Marks, locate_marks, parse_yaml, plain_copy

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "Document",
    "Location",
    "load_document",
    "parse_document",
    "plain_copy",
]

MAX_BYTES = 32 * 1024 * 1024
MAX_DEPTH = 1000  # levels below the root; stages run with room for it (deep_stack.py)
MAX_NODES = 3_000_000


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    col: int


@dataclass
class Document:
    """One parsed file: its data, and a way back from a JSON pointer to a line."""

    path: Path
    display: str
    data: Any
    _yaml_marks: Marks | None = field(default=None, repr=False)
    _yaml_root_mark: tuple[int, int] = (1, 1)
    _text: str | None = None
    _json_index: dict[str, tuple[int, int]] | None = field(default=None, repr=False)

    def locate(self, pointer: str) -> Location:
        """The line and column (1-based) of the deepest node on the pointer's path."""
        try:
            tokens = jp.split(pointer)
        except ValueError:
            tokens = []
        if self._yaml_marks is not None:
            line, col = locate_marks(self.data, self._yaml_marks, self._yaml_root_mark, tokens)
        elif self._text is not None:
            line, col = self._locate_json(tokens)
        else:
            line, col = 1, 1
        return Location(self.display, line, col)

    def _locate_json(self, tokens: list[str]) -> tuple[int, int]:
        if self._json_index is None:
            self._json_index = index_json(self._text or "")
        for n in range(len(tokens), -1, -1):
            hit = self._json_index.get(jp.from_tokens(tokens[:n]))
            if hit:
                return hit
        return 1, 1


def load_document(path: Path, display: str | None = None) -> Document:
    """Read and parse one file; every failure is a SpecError naming the file (and line if known)."""
    shown = display if display is not None else str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise load_error(shown, f"file is {size} bytes, over the {MAX_BYTES}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise load_error(shown, f"cannot read file: {exc.strerror or exc}") from None
    return parse_document(raw, path, shown)


def parse_document(raw: bytes, path: Path, display: str) -> Document:
    if len(raw) > MAX_BYTES:
        raise load_error(display, f"document is over the {MAX_BYTES}-byte limit")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise load_error(
            display, f"file is not valid UTF-8 (byte {exc.start})", line, col
        ) from None
    if "\x00" in text:
        raise load_error(display, "file contains a NUL character")
    if path.suffix.lower() == ".json":
        data = parse_json(text, display, MAX_DEPTH)
        doc = Document(path.resolve(), display, data, _text=text)
    else:
        parsed = parse_yaml(text, display, MAX_DEPTH, MAX_NODES)
        doc = Document(
            path.resolve(),
            display,
            parsed.data,
            _yaml_marks=parsed.marks,
            _yaml_root_mark=parsed.root_mark,
        )
    if not isinstance(doc.data, dict):
        raise load_error(
            display, "document is not a mapping (an OpenAPI document is a JSON object)"
        )
    return doc
