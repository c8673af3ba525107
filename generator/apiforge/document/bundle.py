"""A multi-file spec -> one Bundle: a single document whose every `$ref` is local, and a source map.

External targets are hoisted into `components/<section>/<Name>` (named after the pointer's last
token, so models keep the spec's names); what has no components section (a 3.0 path item) is
inlined. Every ref is checked before anything is read: no URLs, no absolute paths, nothing outside
the ref root (the spec's folder, or `[tool.apiforge] ref-root`; symlinks included), no missing
targets, no pure ref loops, no schema that applies itself to the same value (allOf/anyOf/oneOf/not
loops). Nothing touches the network.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from apiforge.config import ref_root_for
from apiforge.document import pointer as jp
from apiforge.document.files import display_path
from apiforge.document.load import Document, Location, load_document, plain_copy
from apiforge.document.versions import json_schema_2020, major_minor, openapi_version
from apiforge.document.walk import (
    MAPPING_KIND,
    ObjectAt,
    child_kind,
    in_place_loops,
    is_object_kind,
    iter_objects,
    walk_pointer,
)
from apiforge.findings.diagnostic import Diagnostic, Severity, SpecError
from apiforge.findings.finding import Finding

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_COMPONENT_KEY = re.compile(r"[^A-Za-z0-9._\-]")

_SECTION_OF_KIND = {
    "schema": "schemas",
    "parameter": "parameters",
    "response": "responses",
    "requestBody": "requestBodies",
    "header": "headers",
    "securityScheme": "securitySchemes",
    "example": "examples",
    "link": "links",
    "callback": "callbacks",
}


@dataclass(frozen=True)
class Source:
    """Where a bundled node came from: the file and the pointer inside it."""

    document: Document
    pointer: str

    def location(self) -> Location:
        return self.document.locate(self.pointer)


@dataclass
class Bundle:
    """The resolved spec: one document with only local refs, and the way back to the files."""

    root: Document
    data: dict[str, Any]
    documents: dict[Path, Document]
    _origins: dict[tuple[str, ...], tuple[Document, tuple[str, ...]]] = field(repr=False)
    # `objects`, when a stage walked `data` already (`walked`); `dataclasses.replace` drops it
    _walked: list[ObjectAt] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def openapi_version(self) -> str:
        return openapi_version(self.data) or ""

    @cached_property
    def objects(self) -> list[ObjectAt]:
        """Every object of `data` (`walk.iter_objects`), walked once for the checks that read the
        bundle as loaded: its loops, the placing of validator errors, lint. A stage that changes
        the document makes a new Bundle (`dataclasses.replace`), which walks its own."""
        if self._walked is not None:
            return self._walked  # the bundler's walk of the root, which is `data` itself
        return list(iter_objects(self.data))

    def walked(self, objects: list[ObjectAt]) -> None:
        """`objects` are `data`'s, walked as it is by the stage that made it: one walk less."""
        self._walked = objects

    @property
    def release(self) -> tuple[int, int] | None:
        """(major, minor) of the `openapi` field, e.g. (3, 1); None when it is unreadable."""
        return major_minor(self.openapi_version)

    def source(self, pointer: str) -> Source:
        """The file and pointer that a bundled pointer came from (the deepest known origin)."""
        try:
            tokens = tuple(jp.split(pointer))
        except ValueError:
            tokens = ()
        for n in range(len(tokens), -1, -1):
            hit = self._origins.get(tokens[:n])
            if hit:
                doc, src = hit
                return Source(doc, jp.from_tokens([*src, *tokens[n:]]))
        return Source(self.root, pointer)

    def locate(self, pointer: str) -> Location:
        return self.source(pointer).location()

    def place(self, finding: Finding) -> Diagnostic:
        """The finding at the file, line and pointer where its bundled node was written: the one
        place a finding gets a line."""
        src = self.source(finding.pointer)
        loc = src.location()
        f = finding
        return Diagnostic(
            loc.file, loc.line, loc.col, f.severity, f.message, src.pointer, f.rule, f.relaxed
        )

    def diagnostic(
        self, pointer: str, message: str, severity: Severity = Severity.ERROR, rule: str = ""
    ) -> Diagnostic:
        """`place` for a finding made on the spot."""
        return self.place(Finding(pointer, message, severity, rule))


def load_bundle(path: Path, display: str | None = None, ref_root: Path | None = None) -> Bundle:
    """Load a root document and everything it references, refusing unsafe or broken refs.

    Relative refs stay inside `ref_root` (default: `config.ref_root_for`, the spec's folder unless
    `[tool.apiforge] ref-root` names one above it).
    """
    root = load_document(path, display)
    return _Bundler(root, ref_root or ref_root_for(path)).run()


class _Bundler:
    def __init__(self, root: Document, ref_root: Path) -> None:
        self.root = root
        self.root_dir = ref_root.resolve()
        self.named_root = self.root_dir != root.path.parent.resolve()
        self.documents: dict[Path, Document] = {root.path: root}
        self.origins: dict[tuple[str, ...], tuple[Document, tuple[str, ...]]] = {(): (root, ())}
        self.placed: dict[tuple[Path, str], str] = {}
        self.errors: list[Diagnostic] = []
        self.out: dict[str, Any] = {}
        self.local_refs: list[tuple[str, Document, tuple[str, ...]]] = []
        self.to_copy: deque[tuple[Document, str, str, tuple[str, ...], Any]] = deque()
        self.taken: dict[str, set[str]] = {}
        self.inlining: set[tuple[Path, str]] = set()
        self.hoisted: dict[str, dict[str, Any]] = {}

    def run(self) -> Bundle:
        data = self.root.data
        walked = list(iter_objects(data, maps=True))
        if self._all_local(walked):  # one file, its refs as written: nothing to gather or rename
            self.out = data
        else:
            walked = []
            self.local_refs = []
            self._gather(data)
        if self._place_hoisted():
            self._check_local_refs()
        if self.errors:
            raise SpecError(self.errors)
        bundle = Bundle(self.root, self.out, self.documents, self.origins)
        if walked:
            bundle.walked([found for found in walked if is_object_kind(found.kind)])
        loops = in_place_loops(self.out, bundle.objects)
        if loops:
            raise SpecError([_loop_diagnostic(bundle, loop) for loop in loops])
        return bundle

    def _all_local(self, walked: list[ObjectAt]) -> bool:
        """Whether every ref of the root (and discriminator mapping value) is local as written
        (`#/...`, nothing to unescape): then the bundle is the root itself, not a copy (36 ms on
        OpenAI's document); the refs go to the local checks as the copy's would."""
        for found in walked:
            node = found.node
            if found.kind == MAPPING_KIND:
                names = [v for v in node.values() if isinstance(v, str) and not v.startswith("#")]
                if any("#" in v or "/" in v for v in names):
                    return False  # a ref into another file (`_rewrite_mapping`)
                continue
            ref = node.get("$ref")
            if not isinstance(ref, str):
                continue
            if not (ref == "#" or ref.startswith("#/")) or "%" in ref:
                return False
            self.local_refs.append((ref, self.root, (*found.tokens, "$ref")))
        return True

    def _gather(self, data: dict[str, Any]) -> None:
        """The bundle as a copy of the root, each ref into another file hoisted (or inlined)."""
        comps = data.get("components")
        if isinstance(comps, dict):
            for section, entries in comps.items():
                if isinstance(entries, dict):
                    self.taken[section] = set(entries)
        self.out = self._copy(data, "root", self.root, (), ())
        while self.to_copy:  # a queue, not recursion: chains of refs across files can be long
            tdoc, fragment, kind, place, node = self.to_copy.popleft()
            copied = self._copy(node, kind, tdoc, tuple(jp.split(fragment)), place)
            self.hoisted[place[1]][place[2]] = copied

    def _place_hoisted(self) -> bool:
        """Add the hoisted nodes to the bundle's components; False if there is nowhere to."""
        if not self.hoisted:
            return True
        comps = self.out.setdefault("components", {})
        if not isinstance(comps, dict):
            message = "'components' must be a mapping: referenced files are gathered into it"
            self._error(self.root, ("components",), message)
            return False
        placed = True
        for section, entries in self.hoisted.items():
            existing = comps.setdefault(section, {})
            if isinstance(existing, dict):
                existing.update(entries)
            else:
                message = f"components/{section} must be a mapping: referenced files add to it"
                self._error(self.root, ("components", section), message)
                placed = False
        return placed

    # -- walking -----------------------------------------------------------------------------------

    def _copy(
        self, value: Any, kind: str, doc: Document, src: tuple[str, ...], dest: tuple[str, ...]
    ) -> Any:
        if isinstance(value, list):
            item = kind[:-2] if kind.endswith("[]") else kind
            return [
                self._copy(v, item, doc, (*src, str(i)), (*dest, str(i)))
                for i, v in enumerate(value)
            ]
        if not isinstance(value, dict) or kind == "data":
            return plain_copy(value)
        if kind == MAPPING_KIND:
            return {k: self._rewrite_mapping(v, doc, (*src, k)) for k, v in value.items()}
        ref = value.get("$ref")
        if isinstance(ref, str):
            inlined = self._inline_target(ref, kind, doc, (*src, "$ref"), dest)
            if inlined is not _NOT_INLINED:
                return inlined
        out: dict[str, Any] = {}
        for key, child in value.items():
            if key == "$ref" and isinstance(ref, str):
                out[key] = self._rewrite(ref, kind, doc, (*src, key))
            else:
                out[key] = self._copy(child, child_kind(kind, key), doc, (*src, key), (*dest, key))
        return out

    def _inline_target(
        self, ref: str, kind: str, doc: Document, at: tuple[str, ...], dest: tuple[str, ...]
    ) -> Any:
        """A copy of an external target with no components section to live in (a 3.0 path item)."""
        section = _SECTION_OF_KIND.get(kind)
        if section is not None or (kind == "pathItem" and self._path_item_components()):
            return _NOT_INLINED
        target = self._target(ref, doc, at)
        if target is None:
            return {"$ref": ref}  # already reported; resolving it again would report it twice
        if target[0] is self.root:
            return _NOT_INLINED
        tdoc, fragment = target
        key = (tdoc.path, fragment)
        node = self._node(tdoc, fragment, ref, doc, at)
        if node is _NOT_FOUND:
            return {"$ref": ref}
        if key in self.inlining:
            self._error(doc, at, f"$ref {ref!r} includes itself")
            return {}
        self.inlining.add(key)
        self.origins[dest] = (tdoc, tuple(jp.split(fragment)))
        copied = self._copy(node, kind, tdoc, tuple(jp.split(fragment)), dest)
        self.inlining.discard(key)
        return copied

    def _rewrite(self, ref: str, kind: str, doc: Document, at: tuple[str, ...]) -> str:
        """Return the local ref that replaces `ref`, hoisting its target if it lives elsewhere."""
        target = self._target(ref, doc, at)
        if target is None:
            return ref
        tdoc, fragment = target
        if tdoc is self.root:
            self.local_refs.append((fragment, doc, at))
            return fragment
        key = (tdoc.path, fragment)
        if key in self.placed:
            return self.placed[key]
        node = self._node(tdoc, fragment, ref, doc, at)
        if node is _NOT_FOUND:
            return ref
        section = _SECTION_OF_KIND.get(kind, "pathItems")
        name = self._component_name(section, tdoc, fragment)
        local = jp.join("#/components", section, name)
        self.placed[key] = local
        place = ("components", section, name)
        self.origins[place] = (tdoc, tuple(jp.split(fragment)))
        self.hoisted.setdefault(section, {})[name] = None  # keeps first-seen order
        self.to_copy.append((tdoc, fragment, kind, place, node))
        return local

    def _rewrite_mapping(self, value: Any, doc: Document, at: tuple[str, ...]) -> Any:
        """A discriminator mapping value: a ref into another file becomes a local ref."""
        if not isinstance(value, str) or ("#" not in value and "/" not in value):
            return value  # a bare schema name, or not a string (the validator reports it)
        if doc is self.root and value.startswith("#"):
            return value  # checked by the discriminator lint rule
        return self._rewrite(value, "schema", doc, at)

    def _node(
        self, tdoc: Document, fragment: str, ref: str, doc: Document, at: tuple[str, ...]
    ) -> Any:
        try:
            return walk_pointer(tdoc.data, jp.split(fragment))
        except (KeyError, IndexError, ValueError, TypeError):
            self._error(doc, at, f"$ref target {ref!r} not found in {tdoc.display}")
            return _NOT_FOUND

    def _path_item_components(self) -> bool:
        """From 3.1 on `components/pathItems` exists (the same release as JSON Schema 2020-12)."""
        return json_schema_2020(self.root.data)

    def _component_name(self, section: str, doc: Document, fragment: str) -> str:
        tokens = jp.split(fragment)
        base = tokens[-1] if tokens else doc.path.stem
        base = _COMPONENT_KEY.sub("_", base) or "Component"
        taken = self.taken.setdefault(section, set())
        name, n = base, 2
        if name in taken:
            stem = _COMPONENT_KEY.sub("", doc.path.stem.title().replace("-", "").replace("_", ""))
            name = f"{stem}{base}"
        while name in taken:
            name, n = f"{base}{n}", n + 1
        taken.add(name)
        return name

    # -- ref checks --------------------------------------------------------------------------------

    def _target(self, ref: str, doc: Document, at: tuple[str, ...]) -> tuple[Document, str] | None:
        file_part, _, fragment = ref.partition("#")
        file_part, fragment = unquote(file_part), unquote(fragment)  # refs are URIs
        if fragment and not fragment.startswith("/"):
            self._error(doc, at, f"$ref {ref!r}: only JSON-pointer fragments (#/...) are supported")
            return None
        if _SCHEME.match(ref) or ref.startswith("//"):
            self._error(doc, at, f"remote $ref {ref!r} is not allowed: refs stay inside the spec")
            return None
        if not file_part:
            return doc, "#" + fragment
        if file_part.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", file_part):
            self._error(doc, at, f"absolute $ref path {file_part!r} is not allowed")
            return None
        try:
            candidate = (doc.path.parent / file_part).resolve()
        except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL in the name
            self._error(doc, at, f"$ref {ref!r}: file {file_part!r} cannot be resolved")
            return None
        if not candidate.is_relative_to(self.root_dir):
            where = self.root_dir.name
            if self.named_root:
                message = f"$ref {ref!r} leaves the ref root {where}/ ([tool.apiforge] ref-root)"
            else:
                message = f"$ref {ref!r} leaves the spec's root folder {where}/ (see ref-root)"
            self._error(doc, at, message)
            return None
        if candidate not in self.documents:
            if not candidate.is_file():
                self._error(doc, at, f"$ref {ref!r}: file {file_part!r} not found")
                return None
            try:
                self.documents[candidate] = load_document(candidate, display_path(candidate))
            except SpecError as exc:
                self.errors.extend(exc.diagnostics)
                return None
        return self.documents[candidate], "#" + fragment

    def _check_local_refs(self) -> None:
        """Every local ref resolves in the bundle, and no chain of refs loops without content."""
        for ref, doc, at in self._all_refs():
            seen = {ref}
            current = ref
            while True:
                try:
                    node = walk_pointer(self.out, jp.split(current))
                except (KeyError, IndexError, ValueError, TypeError):
                    self._error(doc, at, f"$ref target {current!r} not found")
                    break
                nxt = node.get("$ref") if isinstance(node, dict) else None
                if not isinstance(nxt, str) or not nxt.startswith("#"):
                    break
                if nxt in seen:
                    written = _written_ref(doc, at, ref)
                    message = f"$ref {written!r} is a loop of refs that never reaches a value"
                    self._error(doc, at, message)
                    break
                seen.add(nxt)
                current = nxt

    def _all_refs(self) -> Iterator[tuple[str, Document, tuple[str, ...]]]:
        seen: set[str] = set()
        for ref, doc, at in self.local_refs:
            if ref not in seen:
                seen.add(ref)
                yield ref, doc, at
        for ref in sorted(set(self.placed.values()) - seen):
            tdoc, src = self.origins[tuple(jp.split(ref))]
            yield ref, tdoc, (*src, "$ref")  # where a hoisted node that is only a ref says so

    def _error(self, doc: Document, at: tuple[str, ...], message: str) -> None:
        pointer = jp.from_tokens(at)
        loc = doc.locate(pointer)
        self.errors.append(
            Diagnostic(loc.file, loc.line, loc.col, Severity.ERROR, message, pointer, "ref")
        )


def _loop_diagnostic(bundle: Bundle, loop: list[str]) -> Diagnostic:
    """A loop of schemas applied to the same value, named as its files spell the members."""
    first = bundle.source(loop[0])
    names = []
    for pointer in loop:
        src = bundle.source(pointer)
        shown = "" if src.document is first.document else src.document.display
        names.append(shown + src.pointer)
    message = (
        f"schema {names[0]} applies itself to the same value through allOf/anyOf/oneOf/not and "
        f"$ref, a loop that never reaches a value: {' -> '.join(names)}"
    )
    return bundle.diagnostic(loop[0], message, rule="ref")


_NOT_INLINED = object()
_NOT_FOUND = object()


def _written_ref(doc: Document, at: tuple[str, ...], default: str) -> str:
    """The ref as its file spells it (bundled refs are renamed)."""
    try:
        written = walk_pointer(doc.data, list(at))
    except (KeyError, IndexError, ValueError, TypeError):
        return default
    return written if isinstance(written, str) else default
