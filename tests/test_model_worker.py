"""model_worker: the model library in a forked child gives what it gives in this process, and
a missing, dead or failing child changes nothing but the time.

Each case runs in a fresh interpreter: the worker refuses to fork a process with other threads
(as a pytest worker has), which is also checked here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import REPO

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the worker runs on Linux only"
)

DOC = json.dumps(
    {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "components": {
            "schemas": {
                "Pet": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Pets": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}},
            }
        },
    }
)


def run(script: str) -> dict[str, object]:
    code = "import json, os, signal, sys\nfrom apiforge.models import worker as model_worker\n"
    code += f"DOC = {DOC!r}\n" + textwrap.dedent(script)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_child_writes_what_this_process_writes() -> None:
    result = run(
        """
        from apiforge.models.library import models_of_data
        model_worker.start()
        pid = model_worker._worker.pid
        model_worker.submit_data(json.loads(DOC), "# header")
        forked = model_worker.collect()
        model_worker.stop()
        here = models_of_data(json.loads(DOC), "# header")
        print(json.dumps({"pid": pid != os.getpid(), "same": forked == here,
                          "pet": "class Pet(BaseModel)" in forked}))
        """
    )
    assert result == {"pid": True, "same": True, "pet": True}


def test_a_dead_child_leaves_the_work_to_this_process() -> None:
    result = run(
        """
        from apiforge.models.library import build_models
        from apiforge.plan.operations import plan_data
        model_worker.start()
        os.kill(model_worker._worker.pid, signal.SIGKILL)
        os.waitpid(model_worker._worker.pid, 0)
        submitted = model_worker.submit_data(json.loads(DOC), "# header")
        out, _ = build_models(plan_data(json.loads(DOC)), "# header", "doc", submitted=submitted)
        print(json.dumps({"pet": "class Pet(BaseModel)" in out, "gone": model_worker._worker is None}))
        """
    )
    assert result == {"pet": True, "gone": True}


def test_the_librarys_errors_come_back_with_their_message() -> None:
    result = run(
        """
        from apiforge.models.library import models_of_data
        bad = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
               "components": {"schemas": {"A": {"type": "object", "properties": 7}}}}
        try:
            models_of_data(bad, "# h")
            here = None
        except Exception as exc:
            here = str(exc)
        model_worker.start()
        model_worker.submit_data(bad, "# h")
        answer = model_worker.collect()
        there = str(answer) if isinstance(answer, model_worker.LibraryError) else None
        print(json.dumps({"here": here, "there": there}))
        """
    )
    assert result["there"] is not None
    assert result["there"] == result["here"]


def test_no_fork_while_other_threads_run() -> None:
    result = run(
        """
        import threading, time
        waiting = threading.Event()
        helper = threading.Thread(target=waiting.wait)
        helper.start()
        model_worker.start()
        started = model_worker._worker is not None
        waiting.set()
        helper.join()
        print(json.dumps({"started": started}))
        """
    )
    assert result == {"started": False}


def test_generate_from_the_cli_uses_the_worker_and_writes_the_same_tree(tmp_path: object) -> None:
    """The same package, byte for byte, with the child (which plans and models the bundle while
    the parent checks it) and without it (`collect` is then never asked)."""
    result = run(
        f"""
        import hashlib
        from pathlib import Path
        from apiforge import cli
        def tree(root):
            return {{str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(Path(root).rglob("*")) if p.is_file()}}
        used = []
        original = model_worker.collect
        def spy():
            answer = original()
            used.append(isinstance(answer, str))  # the child's models.py, not NO_ANSWER
            return answer
        model_worker.collect = spy
        spec = "spec/provider.yaml"
        a = cli.main(["generate", spec, "--out", "{tmp_path}/with", "-q"])
        model_worker.start = lambda: None
        b = cli.main(["generate", spec, "--out", "{tmp_path}/without", "-q"])
        print(json.dumps({{"codes": [a, b], "used": used,
                          "same": tree("{tmp_path}/with") == tree("{tmp_path}/without")}}))
        """
    )
    assert result == {"codes": [0, 0], "used": [True], "same": True}


def test_a_refused_spec_ends_the_busy_child_and_says_why(tmp_path: Path) -> None:
    shutil.copytree(REPO / "spec", tmp_path / "spec")
    spec = tmp_path / "spec" / "bad.yaml"  # valid but for one unknown top-level field
    spec.write_text((REPO / "spec" / "sandbox.yaml").read_text() + "bogus: 1\n")
    result = run(
        f"""
        from pathlib import Path
        from apiforge import cli
        spec = "{spec}"
        pids = []
        original = model_worker.submit_data
        def spy(data, header, *rest):
            taken = original(data, header, *rest)
            pids.append(model_worker._worker.pid if taken else None)
            return taken
        model_worker.submit_data = spy
        code = cli.main(["generate", str(spec), "--out", "{tmp_path}/out", "-q"])
        try:
            os.kill(pids[0], 0)
            alive = True
        except (ProcessLookupError, TypeError):
            alive = False
        print(json.dumps({{"code": code, "submitted": pids[0] is not None, "alive": alive,
                          "written": Path("{tmp_path}/out").exists()}}))
        """
    )
    assert result == {"code": 1, "submitted": True, "alive": False, "written": False}


def test_cancel_lets_a_request_still_being_written_fail_before_closing_its_pipe() -> None:
    """A large request waits in the pipe while the child imports; cancelling ends the child
    first, so the writing thread fails on a closed pipe rather than on a reused descriptor."""
    result = run(
        """
        model_worker.start()
        worker = model_worker._worker
        big = {"components": {"schemas": {f"S{i}": {"description": "x" * 1000} for i in range(5000)}}}
        model_worker.submit_data(big, "# h")
        sending = worker.sending
        model_worker.cancel()
        try:
            os.kill(worker.pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        print(json.dumps({"writer_done": not sending.is_alive(), "child_alive": alive,
                          "failed": worker.send_failed}))
        """
    )
    assert result == {"writer_done": True, "child_alive": False, "failed": True}
