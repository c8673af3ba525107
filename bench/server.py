"""Requests per second of the generated provider server against a hand-written FastAPI app.

Baseline: the floor a person writes by hand with the same models, `@app.post(...)` taking
`CreateChatCompletionRequest` and returning `ChatCompletion`, no auth, no envelope, no rate limit.
Both run the same trivial handler on the same uvicorn stack (one worker, access log off), each in
its own process; the load (bench/load.py: raw HTTP/1.1 keep-alive, N requests at C connections)
comes from a third process. With two or more CPUs, servers run on CPU 0 and the load on CPU 1.
Rounds alternate which server goes first; medians and their ratio are printed. Target: >= 0.9x.

    python bench/server.py [--rounds 5] [--requests 4000] [--connections 16]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCH))

from load import free_port, wait_ready  # noqa: E402

SERVERS = ("generated", "handwritten")


def reply(models: Any, body: Any) -> Any:
    """The trivial handler both servers share: echo the last message."""
    text = body.messages[-1].content or ""
    return models.ChatCompletion(
        id="chatcmpl-bench",
        object="chat.completion",
        created=1700000000,
        model=body.model,
        choices=[
            models.ChatCompletionChoice(
                index=0,
                finish_reason="stop",
                message=models.ChatMessage(role="assistant", content=text),
            )
        ],
        usage=models.CompletionUsage(prompt_tokens=9, completion_tokens=9, total_tokens=18),
    )


def generated_app() -> Any:
    from generated.provider import models, server

    class Trivial:
        async def create_chat_completion(self, body: Any, context: Any) -> Any:
            return reply(models, body)

    return server.create_app(Trivial(), rate_limit=None)


def handwritten_app() -> Any:
    from fastapi import FastAPI

    from generated.provider import models

    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def create_chat_completion(
        body: models.CreateChatCompletionRequest,
    ) -> models.ChatCompletion:
        result: models.ChatCompletion = reply(models, body)
        return result

    return app


def serve(which: str, port: int) -> None:
    import uvicorn

    app = generated_app() if which == "generated" else handwritten_app()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def pinned(cpu: int) -> dict[str, str]:
    return {**os.environ, "APIFORGE_BENCH_CPU": str(cpu)} if (os.cpu_count() or 1) > 1 else {}


def load(port: int, requests: int, connections: int) -> float:
    command = [sys.executable, str(BENCH / "load.py"), "--port", str(port)]
    command += ["--requests", str(requests), "--connections", str(connections)]
    command += ["--stream-every", "0"]
    env = pinned(1) or None
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    stats = json.loads(done.stdout)
    if stats["statuses"] != {"200": requests} or stats["failures"]:
        raise SystemExit(f"load failed: {stats}")
    return float(stats["requests_per_second"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--serve", choices=SERVERS, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        if os.environ.get("APIFORGE_BENCH_CPU") and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {int(os.environ["APIFORGE_BENCH_CPU"])})
        serve(args.serve, args.port)
        return
    ports = {name: free_port() for name in SERVERS}
    processes = {
        name: subprocess.Popen(
            [sys.executable, __file__, "--serve", name, "--port", str(port)],
            env=pinned(0) or None,
        )
        for name, port in ports.items()
    }
    results: dict[str, list[float]] = {name: [] for name in SERVERS}
    try:
        for name in SERVERS:
            wait_ready(ports[name], processes[name])
            load(ports[name], args.requests // 4, args.connections)  # warm up
        for round_ in range(args.rounds):
            order = SERVERS if round_ % 2 == 0 else SERVERS[::-1]
            for name in order:
                results[name].append(load(ports[name], args.requests, args.connections))
                time.sleep(0.2)
            print(
                f"round {round_ + 1}: " + ", ".join(f"{n} {results[n][-1]:.0f}/s" for n in SERVERS),
                flush=True,
            )
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(timeout=15)
    medians = {name: statistics.median(values) for name, values in results.items()}
    ratio = medians["generated"] / medians["handwritten"]
    print(
        f"median requests/s: generated {medians['generated']:.0f}, "
        f"hand-written {medians['handwritten']:.0f}; ratio {ratio:.2f}x (target >= 0.90x)"
    )


if __name__ == "__main__":
    main()
