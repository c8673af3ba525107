"""A cache of the model stage, keyed by a hash of everything its output depends on.

models.py is a pure function of the library's input (our bundled, planned document: the schemas
it reads), the file header, datamodel-code-generator's version and our own code (the generator
fingerprint, which covers the library's options and every module that edits its output). So an
edit that changes no schema (an operation's description, a parameter, a template) finds the
models of the previous run here and never runs the library. The cache holds unformatted source:
ruff's settings apply after it, in the format stage, so they are not part of the key.

Two layers: the library's own output, keyed by its input (looked up in the model worker, while
the parent validates), and our edits of it with the index of what it defines, keyed by that
output. Entries are JSON files written atomically (a temporary file, then a rename), so
concurrent runs (generate, check, --watch, pre-commit) share the folder safely; an unreadable
entry is a miss. The format stage keeps ruff's answers in a folder beside it (`format/`, see
`output.format.FormatStore`: formatted text keyed by the unformatted text, its place, ruff's
settings and version). The folder is safe to delete, ignores itself in git, and keeps to a size bound
(the least recently used entries go first).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from apiforge.output.fingerprint import generator_fingerprint

__all__ = ["ModelCache", "cache_key", "load_cache"]

FORMAT = "apiforge-model-cache-1"  # bump when an entry's shape changes
DEFAULT_SIZE_MB = 256
_ENV_SWITCH = "APIFORGE_CACHE"  # 0 / false / off: no cache
_ENV_FOLDER = "APIFORGE_CACHE_DIR"


# Bytes this process wrote into each folder since it last pruned it. A prune reads every entry's
# size (a long-used format/ folder holds tens of thousands), so it runs on a process's first write
# and then once a sixteenth of the bound was written, not after every entry: thirty entries
# written by one generate each pruning 26,000 took seconds. The bound holds within a sixteenth.
_UNPRUNED: dict[Path, int] = {}
_PRUNE_SHARE = 16


@dataclass(frozen=True)
class ModelCache:
    """Where the cache lives (None: the cache is off) and how large it may grow."""

    folder: Path | None
    max_bytes: int = DEFAULT_SIZE_MB << 20

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def beside(self, name: str) -> ModelCache:
        """A cache of its own in a folder next to this one's (`format/` beside `models/`), with
        the same bound; off when this one is."""
        if self.folder is None:
            return self
        return ModelCache(self.folder.parent / name, self.max_bytes)

    def key(self, *parts: str) -> str:
        """The key of `parts` made by this generator (its fingerprint: our code, the library's
        version); nothing to hash while the cache is off."""
        return cache_key(generator_fingerprint(), *parts) if self.enabled else ""

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry stored under `key`, or None (absent, unreadable, or the cache is off)."""
        if self.folder is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: pruned last
        value = entry.get("value")
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Store `value` under `key`; a cache that cannot be written is silently skipped."""
        if self.folder is None:
            return
        data = json.dumps({"format": FORMAT, "value": value}, ensure_ascii=False)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            ignore = self.folder / ".gitignore"
            if not ignore.exists():  # a cache-dir inside a repository stays out of git
                ignore.write_text("# apiforge's model cache: safe to delete\n*\n")
            fd, spare = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(data)
                os.replace(spare, self.folder / f"{key}.json")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(spare)
                raise
            written = _UNPRUNED.get(self.folder, self.max_bytes) + len(data)  # first put: prune
            if written >= self.max_bytes // _PRUNE_SHARE:
                self._prune()
                written = 0
            _UNPRUNED[self.folder] = written
        except OSError:
            return

    def _prune(self) -> None:
        """Delete the least recently used entries until the folder fits its bound."""
        assert self.folder is not None
        entries = []
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(OSError):
                status = path.stat()
                entries.append((status.st_mtime_ns, status.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size


def cache_key(*parts: str) -> str:
    """A hash of the parts, each kept apart from the next (so no two splits of text collide)."""
    digest = hashlib.sha256(FORMAT.encode())
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


OFF = ModelCache(None)


def load_cache(root: Path | None = None, *, disabled: bool = False) -> ModelCache:
    """The cache `[tool.apiforge]` of `root` (default: the working folder) and the environment
    describe: `--no-cache`, APIFORGE_CACHE=0 or `cache = false` turn it off; APIFORGE_CACHE_DIR or
    `cache-dir` move it (default: $XDG_CACHE_HOME/apiforge, else ~/.cache/apiforge), and
    `cache-size-mb` bounds it."""
    from apiforge.config import cache_table
    from apiforge.findings.diagnostic import UsageError

    settings = cache_table(root)
    switch = os.environ.get(_ENV_SWITCH, "").strip().lower()
    if disabled or switch in {"0", "false", "off", "no"} or settings.get("cache") is False:
        return OFF
    size = settings.get("cache-size-mb", DEFAULT_SIZE_MB)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise UsageError(f"[tool.apiforge] cache-size-mb must be a whole number, not {size!r}")
    folder = os.environ.get(_ENV_FOLDER)
    configured = settings.get("cache-dir")
    if not folder and isinstance(configured, str):
        folder = str((root or Path.cwd()).resolve() / configured)
    elif not folder and configured is not None:
        raise UsageError(f"[tool.apiforge] cache-dir must be a path, not {configured!r}")
    if not folder:
        try:
            home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        except RuntimeError:  # no home folder to find: no cache
            return OFF
        folder = str(Path(home) / "apiforge")
    return ModelCache(Path(folder) / "models", size << 20)
