"""datamodel-code-generator in a process of its own, forked when `generate` starts.

Importing the library takes a quarter of a second, about as long as loading, repairing and
checking a chat-completions spec. In a child forked at start-up that import runs on the second
core while the parent loads and repairs the spec; the parent then hands the child the repaired
bundle (`submit_data`), and while the child plans it and runs the library, the parent validates,
lints and plans the same bundle, and finally collects models.py (`collect`). On OpenAI's whole
document that hides 0.7 s of the parent's work behind the library's five seconds. Where there is
no fork (Windows), or other threads already run (fork would copy their locks, held), or the child
dies, or on a system other than Linux, the library runs in this process as before: the same
call, the same output.

Messages are length-prefixed pickles over two pipes, between this process and its own child.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apiforge.models.cache import ModelCache

__all__ = [
    "NO_ANSWER",
    "LibraryError",
    "cancel",
    "collect",
    "start",
    "stop",
    "submit_data",
]

_HEADER = struct.Struct("!Q")
NO_ANSWER: Any = object()  # no worker, or it died: the caller runs the library itself


class LibraryError(Exception):
    """The library failed in the worker; the message is what it said."""


class _Worker:
    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self.pid, self.requests, self.replies = pid, requests, replies
        self.sending: threading.Thread | None = None  # a request on its way (see `submit_data`)
        self.send_failed = False

    def post(self, message: Any) -> None:
        """Send without waiting: the child may still be importing, and a large request would
        fill the pipe and hold this thread until it reads."""

        def send() -> None:
            try:
                _send(self.requests, message)
            except Exception:  # a closed pipe, or data that would not pickle: no answer comes
                self.send_failed = True

        self.sending = threading.Thread(target=send, name="apiforge-model-request", daemon=True)
        self.sending.start()

    def reply(self) -> Any:
        if self.sending is not None:
            self.sending.join()
            self.sending = None
        if self.send_failed:
            return None
        try:
            return _receive(self.replies)
        except Exception:  # gone, or a reply cut short: no answer
            return None

    def close(self) -> None:
        """End the child, then let a request still being written fail on its closed pipe, and
        only then close our ends: a descriptor closed under a writing thread could be reused by
        a file this process opens next, and the rest of the request would land in it."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGKILL)  # it holds no state worth a goodbye
        with contextlib.suppress(OSError):
            os.waitpid(self.pid, 0)
        if self.sending is not None:
            self.sending.join(timeout=5)  # the write fails at once: no reader is left
            self.sending = None
        for fd in (self.requests, self.replies):
            with contextlib.suppress(OSError):
                os.close(fd)


_worker: _Worker | None = None


def start() -> None:
    """Fork the worker, if this process can do so safely and has none yet."""
    global _worker
    if _worker is not None or not sys.platform.startswith("linux"):
        return  # fork without exec is unsafe on macOS (its frameworks), and absent on Windows
    if threading.active_count() != 1:
        return
    from_parent, to_child = os.pipe()  # (read end, write end)
    from_child, to_parent = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: serve until the parent goes, never return into the CLI
        code = 0
        try:
            os.close(to_child)  # the parent's ends
            os.close(from_child)
            _serve(from_parent, to_parent)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(from_parent)
    os.close(to_parent)
    _worker = _Worker(pid, to_child, from_child)
    atexit.register(stop)


def stop() -> None:
    """End the worker (idempotent): the CLI calls it when its command is done."""
    global _worker, _submitted
    if _worker is not None:
        _worker.close()
        _worker = None
    _submitted = False


_submitted = False  # a bundle given to the worker whose answer is not collected yet


def submit_data(data: dict[str, Any], header: str, cache: ModelCache | None = None) -> bool:
    """Give the worker a repaired bundle's data to plan and model while this process validates
    and lints it (a third of a second on OpenAI's whole document); False: no worker to take it."""
    global _submitted
    if _worker is None or _submitted:
        return False
    _worker.post((data, header, cache))
    _submitted = True
    return True


def collect() -> Any:
    """The answer to `submit_data`: the library's output (None: the plan had no schemas), the
    exception to raise for it, or NO_ANSWER when the worker died meanwhile."""
    global _submitted
    if _worker is None or not _submitted:
        return NO_ANSWER
    _submitted = False
    return _answer(_worker.reply())


def cancel() -> None:
    """Drop a submitted bundle whose answer is no longer wanted (the spec was refused)."""
    if _submitted:
        stop()  # the child may be deep in the library: ending it is quicker than waiting


def _answer(reply: Any) -> Any:
    if reply is None:
        stop()  # it died (a crash of its own): the document is tried here, as without it
        return NO_ANSWER
    status, payload = reply
    if status == "ok":
        return payload
    if status == "recursion":
        return RecursionError(payload)
    return LibraryError(payload)


def _serve(requests: int, replies: int) -> None:
    """The child's loop: one reply per request, until the parent closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from apiforge.deep_stack import run_deep
    from apiforge.models.cache import OFF
    from apiforge.models.library import models_of_data, warm_library

    warm_library()
    while True:
        try:
            data, header, cache = _receive(requests)
        except (OSError, EOFError):
            return
        try:
            request = (data, header, cache or OFF)
            reply: tuple[str, Any] = ("ok", run_deep(lambda: models_of_data(*request)))  # noqa: B023 - called at once
        except RecursionError as exc:
            reply = ("recursion", str(exc))
        except Exception as exc:  # the library's errors are many, and not all of them pickle
            reply = ("error", str(exc) or type(exc).__name__)
        _send(replies, reply)


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(fd, _HEADER.pack(len(data)) + data)


def _receive(fd: int) -> Any:
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    return pickle.loads(_read_exactly(fd, size))  # noqa: S301 - our own child's bytes


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("the other end closed the pipe")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
