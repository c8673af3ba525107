"""The openai SDK's README habits carry over: tests/data/client_usage/ok.py type-checks under
mypy --strict and runs against `apiforge serve provider`; mistakes.py fails mypy at each mistake."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.data.client_usage import ok
from tests.helpers import REPO, mypy_strict
from tests.serve.test_runner import Served

USAGE = REPO / "tests" / "data" / "client_usage"


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = Served("provider", log=tmp_path_factory.mktemp("serve") / "provider.log")
    try:
        served.wait_ready()
        yield served
    finally:
        served.stop()


def test_the_sdk_style_usage_runs_against_the_mock_provider(provider: Served) -> None:
    seen = ok.main(provider.base, "sk-test")
    plain, streamed, tool, after_tool, status, raw_object, extra, refused, async_text = seen
    assert plain and streamed  # the mock echoes the last user message
    assert streamed == async_text
    assert tool == "get_weather"
    assert "Sunny" in after_tool
    assert (status, raw_object, extra) == ("200", "chat.completion", "chat.completion")
    assert refused == "400 BadRequestError"


def _errors(output: str, name: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(rf"{name}:(\d+): error:", output)}


def _readme_example() -> str:
    readme = (REPO / "README.md").read_text()
    found = re.search(r"### The generated client\n\n```python\n(.*?)```", readme, re.S)
    assert found is not None, "README.md has no client example"
    return found.group(1)


def test_mypy_passes_the_usage_and_flags_each_mistake(tmp_path: Path) -> None:
    """One mypy run: ok.py, README's client example (as readme.py) and the mistakes."""
    (tmp_path / "readme.py").write_text(_readme_example())
    files = [USAGE / "ok.py", tmp_path / "readme.py", USAGE / "mistakes.py"]
    done = mypy_strict(*[str(f) for f in files], cwd=REPO, mypypath=REPO)
    mistakes = (USAGE / "mistakes.py").read_text().splitlines()
    expected = {n for n, line in enumerate(mistakes, 1) if "# E:" in line}
    assert _errors(done.stdout, "ok.py") == set(), done.stdout
    assert _errors(done.stdout, "readme.py") == set(), done.stdout
    assert _errors(done.stdout, "mistakes.py") == expected, done.stdout
    assert "generated" not in done.stdout, done.stdout  # the generated package is clean too
