"""The official `openai` Node SDK (npm) against `apiforge serve`: plain, stream, tools, typed errors."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO
from tests.serve.test_runner import GATEWAY_KEY, HELLO, WEATHER, Servers, servers  # noqa: F401

CACHE = REPO / "tests" / ".cache" / "node-openai"

SCRIPT = r"""
const { OpenAI } = require("openai");
const [base, gatewayBase, gatewayKey, hello, weather] = process.argv.slice(2).map((a, i) => i >= 3 ? JSON.parse(a) : a);

async function errorOf(promise) {
  try { await promise; return null; } catch (e) {
    return { name: e.constructor.name, status: e.status, isApiError: e instanceof OpenAI.APIError };
  }
}

(async () => {
  const provider = new OpenAI({ baseURL: base + "/v1", apiKey: "sk-node", maxRetries: 0 });
  const gateway = new OpenAI({ baseURL: gatewayBase + "/v1", apiKey: gatewayKey, maxRetries: 0 });
  const out = {};
  const plain = await provider.chat.completions.create({ model: "m", messages: hello });
  out.plain = plain.choices[0].message.content;
  let text = "", chunks = 0;
  for await (const chunk of await provider.chat.completions.create({ model: "m", messages: hello, stream: true })) {
    chunks += 1;
    text += (chunk.choices[0] && chunk.choices[0].delta.content) || "";
  }
  out.streamed = text; out.chunks = chunks;
  const called = await gateway.chat.completions.create({
    model: "m", messages: hello, tools: [weather],
    tool_choice: { type: "function", function: { name: "get_weather" } },
  });
  const call = called.choices[0].message.tool_calls[0];
  out.tool = { name: call.function.name, arguments: JSON.parse(call.function.arguments) };
  const stranger = new OpenAI({ baseURL: gatewayBase + "/v1", apiKey: "not-the-key", maxRetries: 0 });
  out.unauthorized = await errorOf(stranger.chat.completions.create({ model: "m", messages: hello }));
  out.bad_request = await errorOf(gateway.chat.completions.create({ model: "perplexity/sonar", messages: hello, tools: [weather] }));
  const burst = new OpenAI({ baseURL: base + "/v1", apiKey: "sk-node-burst", maxRetries: 0 });
  const results = await Promise.all(Array.from({ length: 40 }, () => errorOf(burst.chat.completions.create({ model: "m", messages: hello }))));
  out.rate_limited = results.find((r) => r && r.status === 429) || null;
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.fixture(scope="module")
def node_sdk() -> Path:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the openai Node SDK")
    if not (CACHE / "node_modules" / "openai").is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm,
                "install",
                "--silent",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CACHE),
                "openai",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"npm install openai failed: {done.stderr[-300:]}")
    script = CACHE / "check.js"
    script.write_text(SCRIPT)
    return script


def test_the_node_sdk_gets_answers_chunks_tool_calls_and_typed_errors(
    node_sdk: Path,
    servers: Servers,  # noqa: F811
) -> None:
    provider, gateway = servers["provider"], servers["gateway"]
    done = subprocess.run(
        ["node", str(node_sdk), provider.base, gateway.base, GATEWAY_KEY]
        + [json.dumps(HELLO), json.dumps(WEATHER)],
        cwd=CACHE,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out: dict[str, Any] = json.loads(done.stdout)
    assert out["plain"] == out["streamed"] == HELLO[0]["content"]
    assert out["chunks"] > 3
    assert out["tool"]["name"] == "get_weather" and out["tool"]["arguments"]["city"]
    assert out["unauthorized"] == {"name": "AuthenticationError", "status": 401, "isApiError": True}
    assert out["bad_request"] == {"name": "BadRequestError", "status": 400, "isApiError": True}
    assert out["rate_limited"] == {"name": "RateLimitError", "status": 429, "isApiError": True}
