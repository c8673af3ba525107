"""The fast verdict: openapi-spec-validator-rs says whether a bundled document is valid.

It gives the same verdicts as openapi-spec-validator in a fraction of the time, but, like it, says
where an error is only relative to the sub-object being checked. So it answers "valid" on its own,
and a document it finds invalid goes to the located validator for diagnostics. It reads `file:`
refs and fetches `http:` ones itself, so a document that holds any reference not local to it (in
a literal value such as a `default`, under an `$id`, a `$schema`) never reaches it.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Callable
from typing import Any

from apiforge.deep_stack import start_deep

__all__ = ["fast_errors", "fast_errors_begun", "fast_verdict", "preload"]

_NONLOCAL_KEYS = frozenset({"$ref", "$dynamicRef", "$recursiveRef"})
_BASE_KEYS = frozenset({"$id", "$schema", "jsonSchemaDialect"})


_MODULE = "openapi_spec_validator_rs"


def preload() -> None:
    """Import the Rust validator on this (the main) thread; see `_rust_module`."""
    with contextlib.suppress(ImportError):
        importlib.import_module(_MODULE)


def _rust_module() -> Any:
    """The Rust validator's module, or None where it is not safe to import it here.

    Imported first on a thread that then ends, it crashes the process (SIGSEGV) when another
    thread calls it (openapi-spec-validator-rs 0.2.3). Commands run on a worker thread
    (deep_stack.py), so the CLI imports it on the main thread first; elsewhere, a caller on
    another thread gets the slow path instead of a crash.
    """
    if _MODULE not in sys.modules and threading.current_thread() is not threading.main_thread():
        return None
    try:
        return importlib.import_module(_MODULE)
    except ImportError:  # pragma: no cover - a declared dependency
        return None


def fast_verdict(data: dict[str, Any], release: tuple[int, int]) -> bool | None:
    """True: valid. False: invalid (locate with the slow validator). None: not judged here."""
    errors = fast_errors(data, release)
    return None if errors is None else not errors


def fast_errors(data: dict[str, Any], release: tuple[int, int]) -> list[Any] | None:
    """Every error the Rust validator finds (none: valid), or None where it does not judge."""
    return fast_errors_begun(data, release)()


def fast_errors_begun(
    data: dict[str, Any], release: tuple[int, int]
) -> Callable[[], list[Any] | None]:
    """`fast_errors`, begun: the Rust validator runs on a thread of its own, and it releases the
    GIL while it works, so the caller lints meanwhile (on OpenAI's document the validator's run
    is hidden whole). The returned call waits for its answer. `data` must not change meanwhile."""
    rs = _rust_module()
    if rs is None:
        return _no_verdict
    validator = getattr(rs, f"OpenAPIV{release[0]}{release[1]}SpecValidator", None)
    if validator is None or not _self_contained(data):
        return _no_verdict

    def run() -> list[Any] | None:
        try:
            return list(validator(data).iter_errors())
        except (
            Exception
        ):  # aborted (an unresolvable ref), or a bug of its own: the slow path decides
            return None

    return start_deep(run)


def _no_verdict() -> list[Any] | None:
    return None


def _self_contained(data: Any) -> bool:
    """No reference that could leave the document: every `$ref` local, no `$id` to rebase one."""
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str):
                    if key in _BASE_KEYS or (key in _NONLOCAL_KEYS and not value.startswith("#")):
                        return False
                elif isinstance(value, dict | list) and not str(key).startswith("x-"):
                    stack.append(value)  # extensions are data that neither validator follows
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, dict | list))
    return True
