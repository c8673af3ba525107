"""datamodel-code-generator in a process of its own, forked when `generate` starts.

Importing the library takes a quarter of a second, about as long as loading, repairing and
checking a chat-completions spec. In a child forked at start-up that import runs on the second
core while the parent loads, repairs and plans the spec; the parent then hands the child the
library's input, when no cached output answers it (`ModelWorker.submit`), and while the child runs
the library, the parent validates and lints the document, and finally collects the library's
output (`ModelJob.result`). On OpenAI's whole document that hides the parent's checks behind the
library's five seconds; after an edit that changes no schema the cache answers and the child is
not asked at all. Where there is no fork (Windows), or other threads already run (fork would
copy their locks, held), or the child dies, or on a system other than Linux, there is no answer
and the library runs in this process as before: the same call, the same output.

    with ModelWorker() as worker:  # forks now, before any thread; ends the child on leaving
        job = worker.submit(request)  # None: no child to take it
        ...  # check the document here
        output = job.result() if job else None  # None: run the library here

Messages are length-prefixed pickles over two pipes, between this process and its own child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import TracebackType

    from apiforge.models.library import LibraryOutput, LibraryRequest

__all__ = ["LibraryError", "ModelJob", "ModelWorker"]

_HEADER = struct.Struct("!Q")


class LibraryError(Exception):
    """The library failed in the worker; the message is what it said."""


class ModelWorker:
    """The forked child that runs the model library, owned by whoever opens it (`with`)."""

    def __init__(self) -> None:
        self._child: _Child | None = None
        self._pending: ModelJob | None = None  # submitted, its answer not collected yet

    def __enter__(self) -> ModelWorker:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pid(self) -> int | None:
        """The child's process id; None while there is no child."""
        return self._child.pid if self._child is not None else None

    def start(self) -> None:
        """Fork the child, if this process can do so safely and has none yet."""
        if self._child is not None or not sys.platform.startswith("linux"):
            return  # fork without exec is unsafe on macOS (its frameworks), and absent on Windows
        if threading.active_count() != 1:
            return
        self._child = _Child.fork()

    def stop(self) -> None:
        """End the child (idempotent); a job not collected yet then has no answer."""
        if self._child is not None:
            self._child.close()
            self._child = None
        self._pending = None

    def submit(self, request: LibraryRequest) -> ModelJob | None:
        """Give the child the library's input to model while this process checks the document
        (a third of a second on OpenAI's whole document); None: no child to take it (none was
        forked, it died, or it still works on a job not collected)."""
        if self._child is None or self._pending is not None:
            return None
        self._child.post((request.text, request.header))
        self._pending = ModelJob(self)
        return self._pending

    def _collect(self, job: ModelJob) -> _Reply:
        """The child's reply to `job`; None when it has none (the job is not the pending one,
        or the child died, which ends the worker: later documents are modelled here)."""
        if job is not self._pending or self._child is None:
            return None
        self._pending = None
        reply = self._child.reply()
        if reply is None:
            self.stop()
        return reply

    def _drop(self, job: ModelJob) -> None:
        """`job`'s answer is not wanted: end the child, which may be deep in the library
        (quicker than waiting for it)."""
        if job is self._pending:
            self.stop()


# ("ok", the library's output), ("recursion", message),
# ("error", message); None: no reply
_Reply = tuple[str, Any] | None


class ModelJob:
    """One input given to the worker: `result()` waits for its answer, `cancel()` drops it."""

    def __init__(self, worker: ModelWorker) -> None:
        self._worker = worker
        self._reply: _Reply = None
        self._settled = False  # collected or cancelled

    def result(self) -> LibraryOutput | None:
        """The library's output for the input; None when there is none to use (the child died:
        the caller runs the library itself). The library's failure is raised: RecursionError,
        or LibraryError with the library's message."""
        if not self._settled:
            self._reply, self._settled = self._worker._collect(self), True
        if self._reply is None:
            return None
        status, payload = self._reply
        if status == "recursion":
            raise RecursionError(payload)
        if status != "ok":
            raise LibraryError(payload)
        output: LibraryOutput | None = payload
        return output

    def cancel(self) -> None:
        """Drop the job if its answer was not collected (the spec was refused); else nothing."""
        if not self._settled:
            self._settled = True
            self._worker._drop(self)


class _Child:
    """The forked process and this side's ends of its two pipes."""

    def __init__(self, pid: int, requests: int, replies: int) -> None:
        self.pid, self.requests, self.replies = pid, requests, replies
        self.sending: threading.Thread | None = None  # a request on its way (see `post`)
        self.send_failed = False

    @classmethod
    def fork(cls) -> _Child:
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
        return cls(pid, to_child, from_child)

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

    def reply(self) -> _Reply:
        if self.sending is not None:
            self.sending.join()
            self.sending = None
        if self.send_failed:
            return None
        try:
            status, payload = _receive(self.replies)
        except Exception:  # gone, or a reply cut short: no answer
            return None
        return str(status), payload

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


def _serve(requests: int, replies: int) -> None:
    """The child's loop: one reply per request, until the parent closes its end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    from apiforge.deep_stack import run_deep
    from apiforge.models.library import run_library, warm_library

    warm_library()
    while True:
        try:
            text, header = _receive(requests)
        except (OSError, EOFError):
            return
        try:
            reply: tuple[str, Any] = ("ok", run_deep(lambda: run_library(text, header)))  # noqa: B023 - called at once
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
