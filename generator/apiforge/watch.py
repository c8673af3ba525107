"""`apiforge generate --watch`: regenerate after each burst of edits to a spec, a file it refers to,
or a template. A failed run leaves the previous output (generation is atomic) and keeps watching.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from threading import Event

from apiforge.document.files import display_path
from apiforge.findings.diagnostic import UsageError

__all__ = ["WATCHED_SUFFIXES", "watch"]

WATCHED_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".jinja"})  # not editors' swap files
DEBOUNCE_MS = 300  # an editor's save is often several writes: wait for them to settle
READY_TIMEOUT_MS = 200  # how soon an idle watcher first reports that it is running


def watch(
    run: Callable[[], list[str]],
    folders: Sequence[Path],
    out_dir: Path,
    *,
    stop: Event | None = None,
) -> int:
    """Run once, then again after every change below `folders` (not in `out_dir`); 0 on Ctrl-C.

    `run` returns what it skipped (packages up to date, cached models, unchanged files), which
    each rebuild reports with its time."""
    import watchfiles

    missing = [f for f in folders if not f.is_dir()]
    if missing:
        raise UsageError(f"cannot watch {display_path(missing[0])}: no such folder")
    output = out_dir.resolve()

    def relevant(_change: watchfiles.Change, path: str) -> bool:
        where = Path(path)
        return where.suffix in WATCHED_SUFFIXES and not where.is_relative_to(output)

    try:
        run()
        ready = False
        for changes in watchfiles.watch(
            *folders,
            watch_filter=relevant,
            debounce=DEBOUNCE_MS,
            rust_timeout=READY_TIMEOUT_MS,
            yield_on_timeout=True,  # the first empty yield: the watcher is running
            raise_interrupt=False,
            stop_event=stop,
        ):
            if not ready:
                ready = True
                shown = ", ".join(f"{display_path(f)}/" for f in folders)
                print(f"apiforge: watching {shown} for changes; Ctrl-C stops", file=sys.stderr)
                sys.stderr.flush()
            if not changes:
                continue
            names = sorted({display_path(Path(path)) for _, path in changes})
            more = f" and {len(names) - 3} more" if len(names) > 3 else ""
            print(f"apiforge: changed: {', '.join(names[:3])}{more}", file=sys.stderr, flush=True)
            rebuild(run)
    except KeyboardInterrupt:
        pass
    print("apiforge: stopped watching", file=sys.stderr, flush=True)
    return 0


def rebuild(run: Callable[[], list[str]]) -> None:
    """One rebuild, and a line saying how long it took and what it did not redo."""
    start = time.perf_counter()
    skipped = run()
    took = f"apiforge: rebuilt in {time.perf_counter() - start:.2f} s"
    print(f"{took}; skipped: {', '.join(skipped) or 'nothing'}", file=sys.stderr, flush=True)
