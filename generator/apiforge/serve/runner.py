"""`apiforge serve NAME`: a generated server, run by uvicorn, answering with the mock model.

Uvicorn's worker processes build their own app, so the settings travel as JSON in one environment
variable and each worker calls `app_from_environment` (a factory named by import string). Nothing
is shared between workers: each has its own rate limiter.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from apiforge.findings.diagnostic import UsageError

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["ServeSettings", "app_from_environment", "load_server_module", "serve"]

SETTINGS_ENV = "APIFORGE_SERVE_SETTINGS"
FACTORY = "apiforge.serve.runner:app_from_environment"


@dataclass(frozen=True)
class ServeSettings:
    package: str
    out_dir: str  # absolute
    api_keys: list[str] | None  # None: any non-empty key
    rate_limit: float | None | str  # "spec", requests per second, or None for no limit


def serve(args: argparse.Namespace) -> int:
    """Check the arguments and the package, then hand over to uvicorn until interrupted."""
    settings = _settings(args)
    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    load_server_module(settings.package, Path(settings.out_dir))  # fail here, not in a worker
    os.environ[SETTINGS_ENV] = json.dumps(asdict(settings))
    import uvicorn

    print(
        f"apiforge: serving {settings.package} with the mock model on "
        f"http://{args.host}:{args.port} ({args.workers} worker(s)); Ctrl+C stops",
        file=sys.stderr,
        flush=True,
    )
    try:
        uvicorn.run(
            FACTORY,
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_level="info",
            access_log=False,
        )
    except SystemExit as exc:  # uvicorn exits this way when it cannot start (e.g. port in use)
        if exc.code in (None, 0):
            return 0
        raise UsageError("the server could not start (uvicorn said why, above)") from None
    return 0


def _settings(args: argparse.Namespace) -> ServeSettings:
    from apiforge.config import load_config

    out = load_config(out_dir=str(args.out) if args.out else None).out_dir
    if any(not key for key in args.api_keys):
        raise UsageError("--api-key must not be empty")
    rate: float | None | str = "spec"
    if args.rate_limit is not None:
        if not args.rate_limit >= 0:
            raise UsageError(f"--rate-limit must be 0 (off) or more, not {args.rate_limit}")
        rate = float(args.rate_limit) or None
    return ServeSettings(args.name, str(out.resolve()), list(args.api_keys) or None, rate)


def load_server_module(name: str, out_dir: Path) -> ModuleType:
    """Import `<out folder>.<name>.server` from the out folder; UsageError when it is not there."""
    package = out_dir / name
    if not name.isidentifier() or not (package / "__init__.py").is_file():
        found = sorted(p.parent.name for p in out_dir.glob("*/server.py"))
        listing = f" (found: {', '.join(found)})" if found else ""
        raise UsageError(
            f"no generated package {name!r} in {out_dir}{listing}; run `apiforge generate` first"
        )
    if not (package / "server.py").is_file():
        raise UsageError(f"{package} has no server.py; run `apiforge generate` to regenerate it")
    if not out_dir.name.isidentifier():
        raise UsageError(f"the out folder's name {out_dir.name!r} must be a Python identifier")
    parent = str(out_dir.parent)
    if parent not in sys.path:
        sys.path.insert(0, parent)
    module_name = f"{out_dir.name}.{name}.server"
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"cannot import {module_name} from {out_dir.parent}: {exc}") from None
    where = Path(getattr(module, "__file__", "") or "").resolve()
    if where.parent != package.resolve():
        raise UsageError(f"{module_name} was imported from {where}, not from {package}")
    return module


def app_from_environment() -> FastAPI:
    """The uvicorn factory: the generated app around the mock model, per the settings variable."""
    from apiforge.serve.mock import mock_handler

    raw = os.environ.get(SETTINGS_ENV)
    if raw is None:
        raise RuntimeError(f"{SETTINGS_ENV} is not set; start the server with `apiforge serve`")
    settings = ServeSettings(**json.loads(raw))
    module = load_server_module(settings.package, Path(settings.out_dir))
    app: FastAPI = module.create_app(
        mock_handler(module), api_keys=settings.api_keys, rate_limit=settings.rate_limit
    )
    return app
