"""`apiforge generate --watch`: regenerate after each burst of edits to a spec, a file it refers to,
or a template. A failed run is reported, leaves the previous output (generation is atomic) and
keeps watching.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from threading import Event
from typing import TYPE_CHECKING

from apiforge.document.files import display_path
from apiforge.findings.diagnostic import SpecError, UsageError

if TYPE_CHECKING:
    from apiforge.config import Config

__all__ = ["WATCHED_SUFFIXES", "watch", "watched_folders"]

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
    each rebuild reports with its time. Each run has room for deep documents (deep_stack.py)."""
    import watchfiles

    run = _still_watching(run)

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


def watched_folders(specs: Sequence[Path], config: Config) -> list[Path]:
    """Every spec's ref root (refs never leave it) and the templates; the spec folder's default."""
    from apiforge.config import folder_ref_root

    folders = (
        {folder_ref_root(p.parent) for p in specs} if specs else {folder_ref_root(config.spec_dir)}
    )
    if config.templates is not None:
        folders.add(config.templates)
    return sorted(folders)


def _still_watching(run: Callable[[], list[str]]) -> Callable[[], list[str]]:
    """One run of a watch: bad input is reported, and the previous output stays as it was."""

    def attempt() -> list[str]:
        from apiforge.deep_stack import run_deep
        from apiforge.findings.printer import merged, render

        skipped: list[str] = []
        try:
            skipped = run_deep(run)
        except SpecError as exc:
            sys.stdout.write(render(merged(exc.diagnostics), "text", ""))
            print("apiforge: nothing was written; watching for the next edit")
        except UsageError as exc:
            print(f"apiforge: error: {exc}; watching for the next edit", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        return skipped

    return attempt
