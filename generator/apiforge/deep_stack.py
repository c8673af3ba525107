"""Room for deeply nested documents: run a command where recursion has space to go deep.

A document may nest up to `load.MAX_DEPTH` (1,000) levels. The stages that walk it recursively,
ours and the libraries' (copy.deepcopy, json, jsonschema, datamodel-code-generator), would stop
well short of that at Python's default limit of 1,000 frames, and a C stack of 8 MB is not
enough for a higher one. So a command runs in a worker thread with a large stack (reserved, not
committed: only the pages a deep document touches cost memory) and a raised recursion limit. The
main thread only waits, so Ctrl-C still reaches it.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

__all__ = ["RECURSION_LIMIT", "STACK_BYTES", "run_deep", "start_deep"]

T = TypeVar("T")

STACK_BYTES = 256 * 1024 * 1024
RECURSION_LIMIT = 30_000  # frames; about 25 per nesting level is the most any stage was seen to use


def run_deep(work: Callable[[], T]) -> T:
    """`work()` in a thread with a large stack and a high recursion limit; its result or error."""
    previous_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous_limit, RECURSION_LIMIT))
    try:
        started = _start(work, "apiforge-deep")
        if started is not None:
            worker, result = started
            while worker.is_alive():
                worker.join(0.1)  # returns the moment the worker ends; a timeout keeps Ctrl-C live
            return result()
    finally:
        sys.setrecursionlimit(previous_limit)
    return work()  # no thread with such a stack here: run here, with the usual limits


def start_deep(work: Callable[[], T]) -> Callable[[], T]:
    """`work()` begun on a thread with as large a stack (for a library that releases the GIL while
    it recurses through a document: the Rust validator); the returned call waits for its result
    or error. Where no such thread can be started, `work()` runs when the result is asked for."""
    started = _start(work, "apiforge-deep-worker")
    return work if started is None else started[1]


def _start(work: Callable[[], T], name: str) -> tuple[threading.Thread, Callable[[], T]] | None:
    """A thread with a STACK_BYTES stack running `work`, and the call that waits for its result or
    raises its error; None where the platform cannot size stacks or there is no memory to
    reserve one."""
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the caller's thread as it is
            failure.append(exc)

    try:
        previous_stack = threading.stack_size(STACK_BYTES)
    except (ValueError, RuntimeError):
        return None
    try:
        worker = threading.Thread(target=target, name=name, daemon=True)
        worker.start()
    except RuntimeError:
        return None
    finally:
        threading.stack_size(previous_stack)

    def result() -> T:
        worker.join()
        if failure:
            raise failure[0]
        return outcome[0]

    return worker, result
