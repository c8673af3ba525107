"""`apiforge conform` against a server nobody here wrote: the LiteLLM proxy, checked against
spec/provider.yaml. Verified with litellm[proxy] 1.108.7 (the release current when this was written;
install it in a separate venv and point APIFORGE_LITELLM at its `litellm`). The proxy serves one
model with `mock_response`, on 127.0.0.1, with no provider keys and no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conform.servers import free_port
from tests.helpers import REPO, run_cli

VERIFIED = "1.108.7"
MASTER_KEY = "sk-conform-5f0e6c1d9a8b47e2b3c4d5e6f7a8b9c0"  # the proxy refuses to start without one
CONFIG = f"""\
model_list:
  - model_name: conform-model
    litellm_params:
      model: openai/gpt-4o-mini
      api_key: sk-not-used
      mock_response: "Hello from the mock!"
litellm_settings:
  telemetry: false
general_settings:
  master_key: {MASTER_KEY}
"""
# what conform finds in 1.108.7, each judged in docs/conform.md
EXPECTED = {
    ("status-documented", "no-credentials"),  # 500 text/plain: its auth error path imports prisma
    ("auth-required", "no-credentials"),  # the same answer: not the documented 401
    ("refused", "unknown-rejected"),  # LiteLLM passes unknown parameters on; provider.yaml rejects
    ("structured-output", "structured"),  # mock_response ignores response_format (a warning)
}


def _litellm() -> str:
    found = os.environ.get("APIFORGE_LITELLM") or shutil.which("litellm")
    if not found:
        pytest.skip(
            f"litellm[proxy] is not installed (verified with {VERIFIED}: python3 -m venv V &&"
            f" V/bin/pip install 'litellm[proxy]=={VERIFIED}'; APIFORGE_LITELLM=V/bin/litellm)"
        )
    return found


def _version(binary: str) -> str:
    python = Path(binary).parent / "python"
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.stdout.strip()


def test_litellm_proxy_against_the_provider_spec(tmp_path: Path) -> None:
    binary = _litellm()
    (tmp_path / "config.yaml").write_text(CONFIG)
    port = free_port()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}  # no fetch of the price list
    log = (tmp_path / "proxy.log").open("wb")
    command = [binary, "--config", "config.yaml", "--host", "127.0.0.1", "--port", str(port)]
    proxy = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert proxy.poll() is None, (tmp_path / "proxy.log").read_text()[-2000:]
            try:
                httpx.get(f"{base}/health/liveliness", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        done = run_cli(
            "conform",
            base,
            str(REPO / "spec" / "provider.yaml"),
            "--api-key",
            MASTER_KEY,
            "--model",
            "conform-model",
            "--format",
            "json",
            "--timeout",
            "20",
        )
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
        log.close()
    assert "Traceback" not in done.stderr
    findings = json.loads(done.stdout)["findings"]
    found = {(f["check"], _scenario(f["request"])) for f in findings}
    print(json.dumps(findings, indent=2))
    if _version(binary) == VERIFIED:
        assert found == EXPECTED
        assert done.returncode == 1
    else:
        assert done.returncode in (0, 1)


def _scenario(request: dict[str, object]) -> str:
    """Which of conform's requests this was, told from what it sent."""
    body = request["body"]
    assert isinstance(body, dict)
    if "response_format" in body:
        return "structured"
    if "apiforge_conform_unknown" in body:
        return "unknown-rejected"
    return "no-credentials" if set(body) == {"model", "messages"} else "other"
