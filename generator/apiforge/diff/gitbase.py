"""Specs as they were at a git ref, copied into a temporary folder: the work tree is never touched."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

from apiforge.findings.diagnostic import UsageError


class MissingRef(UsageError):
    """The base ref is not in this repository: a fresh clone, a fork, no remote yet."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, check=False, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise UsageError(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["failed"]
        raise UsageError(f"git {' '.join(args[:2])}: {detail[0]}")
    return done.stdout


def export_folder(ref: str, folder: Path, into: Path) -> Path:
    """Write `folder` as it is at `ref` below `into`; return where it landed (it may not exist)."""
    folder = folder.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).decode().strip()).resolve()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except UsageError:
        raise MissingRef(
            f"git ref {ref!r} does not exist in this repository; fetch it "
            f"(e.g. `git fetch origin main`) or name another --base"
        ) from None
    rel = folder.relative_to(top).as_posix()
    listing = _git(["ls-tree", "-r", "--name-only", ref, "--", rel], top)
    if not listing.strip():
        return into / rel
    archive = _git(["archive", "--format=tar", ref, "--", rel], top)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            if not (member.isfile() or member.isdir()) or member.name.startswith(("/", "..")):
                continue  # no links or devices out of a tree we did not write
            tar.extract(member, into, filter="data")
    return into / rel
