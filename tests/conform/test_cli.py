"""`apiforge conform` from the command line: exit codes, the four formats, usage errors, bounds.

Most run `apiforge.cli.main` in-process (the same parsing, printing and exit codes, without a
second interpreter's start on a shared machine); the first runs the real `python -m apiforge`."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from apiforge.cli import main
from apiforge.conform import CHECKS
from tests.conform.servers import free_port, generated_app, proxy, serving
from tests.conform.test_conform import BROKEN
from tests.helpers import REPO, run_cli

PROVIDER = str(REPO / "spec" / "provider.yaml")


class Done:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Done]:
    """`apiforge ARGS` in this process: exit code, stdout and stderr."""

    def call(*args: str) -> Done:
        code = main(list(args))
        out, err = capsys.readouterr()
        return Done(code, out, err)

    return call


@pytest.fixture(scope="module")
def broken() -> Iterator[str]:
    """The provider's server with its error bodies' `error` a string (error-envelope)."""
    with serving(proxy(generated_app("provider"), BROKEN["error-envelope"][1])) as base:
        yield base


@pytest.fixture(scope="module")
def clean() -> Iterator[str]:
    with serving(generated_app("provider")) as base:
        yield base


def test_a_conforming_endpoint_exits_0_with_nothing_on_stdout(clean: str) -> None:
    done = run_cli("conform", clean, PROVIDER)
    assert (done.returncode, done.stdout) == (0, "")
    assert "0 finding(s), 0 error(s), in 11 request(s)" in done.stderr


def test_json_is_the_issues_shape(broken: str, cli: Callable[..., Done]) -> None:
    done = cli("conform", broken, PROVIDER, "--format", "json")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert set(report) == {"findings", "requests", "checks"}
    assert report["requests"] == 11
    [finding] = report["findings"]
    assert set(finding) == {"check", "severity", "operation", "message", "request", "pointer"}
    assert (finding["check"], finding["severity"], finding["operation"]) == (
        "error-envelope",
        "error",
        "createChatCompletion",
    )
    assert finding["request"]["method"] == "POST"
    assert finding["request"]["url"] == broken + "/v1/chat/completions"
    assert finding["request"]["body"]["model"] == "apiforge-conform"
    assert finding["pointer"] == "#/components/schemas/ProviderError"
    assert [c["id"] for c in report["checks"]] == [c.id for c in CHECKS]


def test_text_names_the_spec_line_and_a_curl_that_reproduces_it(
    broken: str, cli: Callable[..., Done]
) -> None:
    done = cli("conform", broken, PROVIDER)
    assert done.returncode == 1
    first, curl = done.stdout.splitlines()
    errors = (REPO / "spec" / "components" / "errors.yaml").read_text().splitlines()
    match = re.match(
        r"(spec/components/errors\.yaml):(\d+):(\d+): error: (.*) \[error-envelope\]"
        r" \(at #/ProviderError\)$",
        first,
    )
    assert match, first
    assert errors[int(match[2]) - 2] == "ProviderError:"  # located at the schema it names
    assert curl.startswith(f"  curl -sS -X POST {broken}/v1/chat/completions ")
    assert "Authorization" not in curl  # the request that broke it had no credentials


def test_junit_has_one_case_per_check_and_operation(broken: str, cli: Callable[..., Done]) -> None:
    done = cli("conform", broken, PROVIDER, "--format", "junit")
    suite = ET.fromstring(done.stdout)
    cases = suite.findall("testcase")
    assert len(cases) == len(CHECKS)
    failed = [c.get("name") for c in cases if c.find("failure") is not None]
    skipped = [c.get("name") for c in cases if c.find("skipped") is not None]
    assert failed == ["error-envelope"] and suite.get("failures") == "1"
    assert skipped == ["unknown-ignored", "tools-refused"]  # the provider has neither


def test_markdown_is_a_table(broken: str, cli: Callable[..., Done]) -> None:
    done = cli("conform", broken, PROVIDER, "--format", "markdown")
    lines = done.stdout.splitlines()
    assert lines[0] == f"## apiforge conform: {broken}"
    assert lines[-1].startswith("| `error-envelope` | error | createChatCompletion | ")
    assert lines[-1].endswith(" | spec/components/errors.yaml:18 |")


def test_max_requests_bounds_what_is_sent(clean: str, cli: Callable[..., Done]) -> None:
    done = cli("conform", clean, PROVIDER, "--max-requests", "3", "--format", "json")
    assert json.loads(done.stdout)["requests"] == 3
    assert "8 request(s) not sent (--max-requests)" in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["ftp://x", PROVIDER], "BASE_URL must be an http:// or https:// URL"),
        (["http://127.0.0.1:1", "nope.yaml"], "nope.yaml: no such file"),
        (["http://127.0.0.1:1", PROVIDER, "--operation", "listModels"], "no operation listModels"),
        (["http://127.0.0.1:1", PROVIDER, "--max-requests", "0"], "--max-requests must be"),
        (["http://127.0.0.1:1"], "the spec folder has 3 documents"),
    ],
)
def test_usage_errors_exit_2(args: list[str], said: str, cli: Callable[..., Done]) -> None:
    done = cli("conform", *args)
    assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr


def test_an_endpoint_nobody_answers_exits_2(cli: Callable[..., Done]) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    done = cli("conform", base, PROVIDER)
    assert done.returncode == 2
    assert f"apiforge: error: cannot reach {base}" in done.stderr


def test_the_only_spec_in_the_folder_is_the_default(
    tmp_path: Path, clean: str, monkeypatch: pytest.MonkeyPatch, cli: Callable[..., Done]
) -> None:
    shutil.copytree(REPO / "spec" / "components", tmp_path / "spec" / "components")
    shutil.copy(REPO / "spec" / "provider.yaml", tmp_path / "spec")
    monkeypatch.chdir(tmp_path)
    done = cli("conform", clean)
    assert done.returncode == 0, done.stderr


def test_a_spec_that_does_not_load_is_reported_at_its_line(
    tmp_path: Path, cli: Callable[..., Done]
) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n"
        "    $ref: './missing.yaml#/A'\n"
    )
    done = cli("conform", "http://127.0.0.1:1", str(spec))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert re.search(r"bad\.yaml:5:\d+: error: .*missing\.yaml", done.stdout), done.stdout
