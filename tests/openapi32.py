"""The OpenAPI 3.2 copy of the provider: its spec folder and the package generated from it.

tests/data/specs/openapi32/provider.yaml is spec/provider.yaml with `openapi: 3.2.0` and its
stream described by `itemSchema`; it shares spec/components/, copied next to it here, so only
the differences live in the fixture.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import REPO, run_cli

FIXTURE = REPO / "tests" / "data" / "specs" / "openapi32" / "provider.yaml"


def assemble(project: Path) -> Path:
    """A project folder holding the 3.2 provider as spec/provider.yaml; returns the spec's path."""
    spec = project / "spec"
    spec.mkdir(parents=True)
    shutil.copyfile(FIXTURE, spec / "provider.yaml")
    shutil.copytree(REPO / "spec" / "components", spec / "components")
    shutil.copyfile(REPO / "pyproject.toml", project / "pyproject.toml")  # the same ruff settings
    return spec / "provider.yaml"


def generate_package(project: Path) -> Path:
    """`apiforge generate` of the 3.2 provider into project/generated; returns that folder."""
    assemble(project)
    done = run_cli("generate", "spec/provider.yaml", "--out", "generated", cwd=project)
    assert done.returncode == 0, done.stderr
    return project / "generated"
