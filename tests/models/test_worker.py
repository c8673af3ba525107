"""ModelWorker: the model library in a forked child gives what it gives in this process, a
missing, dead or failing child changes nothing but the time, and the child lives exactly as long
as the `with` block that opened it.

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

ALIVE = """
def alive(pid):
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, TypeError):
        return False
    return True
"""


def run(script: str) -> dict[str, object]:
    code = (
        "import json, os, signal, sys\nfrom apiforge.models.worker import ModelJob, ModelWorker\n"
        "from apiforge.models.library import LibraryRequest, library_request\n"
        "from apiforge.plan.operations import plan_data\n"
        "def req(doc, header):\n    return library_request(plan_data(doc), header)\n"
        "os.environ['APIFORGE_CACHE'] = '0'  # a cached output would need no worker\n"
    )
    code += f"DOC = {DOC!r}\n{ALIVE}\n" + textwrap.dedent(script)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_child_writes_what_this_process_writes() -> None:
    result = run(
        """
        from apiforge.models.library import library_output
        with ModelWorker() as worker:
            pid = worker.pid
            forked = worker.submit(req(json.loads(DOC), "# header")).result()
        here = library_output(plan_data(json.loads(DOC)), "# header")
        print(json.dumps({"pid": pid not in (None, os.getpid()), "same": forked == here,
                          "pet": "class Pet(BaseModel)" in forked, "ended": not alive(pid)}))
        """
    )
    assert result == {"pid": True, "same": True, "pet": True, "ended": True}


def test_one_child_answers_one_job_after_another() -> None:
    """generate with several specs: each is submitted once the previous answer was collected;
    a second job while one is pending is refused (its caller runs the library itself)."""
    result = run(
        """
        with ModelWorker() as worker:
            forked = worker.pid
            first = worker.submit(req(json.loads(DOC), "# one"))
            meanwhile = worker.submit(req(json.loads(DOC), "# two"))
            one = first.result()
            again = first.result()
            second = worker.submit(req(json.loads(DOC), "# two"))
            two = second.result()
            pid = worker.pid
        print(json.dumps({"meanwhile": meanwhile is None, "again": again == one,
                          "headers": [one.splitlines()[0], two.splitlines()[0]],
                          "same_child": forked is not None and pid == forked}))
        """
    )
    assert result == {
        "meanwhile": True,
        "again": True,
        "headers": ["# one", "# two"],
        "same_child": True,
    }


def test_a_dead_child_leaves_the_work_to_this_process() -> None:
    result = run(
        """
        from apiforge.models.stage import build_models
        from apiforge.plan.operations import plan_data
        with ModelWorker() as worker:
            os.kill(worker.pid, signal.SIGKILL)
            os.waitpid(worker.pid, 0)
            job = worker.submit(req(json.loads(DOC), "# header"))
            out, _ = build_models(plan_data(json.loads(DOC)), "# header", "doc", job=job)
            print(json.dumps({"pet": "class Pet(BaseModel)" in out, "gone": worker.pid is None,
                              "refused": worker.submit(req(json.loads(DOC), "# h")) is None}))
        """
    )
    assert result == {"pet": True, "gone": True, "refused": True}


def test_the_librarys_errors_come_back_with_their_message() -> None:
    result = run(
        """
        from apiforge.models.library import library_output
        from apiforge.models.worker import LibraryError
        bad = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"},
               "components": {"schemas": {"A": {"type": "object", "properties": 7}}}}
        try:
            library_output(plan_data(bad), "# h")
            here = None
        except Exception as exc:
            here = str(exc)
        with ModelWorker() as worker:
            try:
                worker.submit(req(bad, "# h")).result()
                there = None
            except LibraryError as exc:
                there = str(exc)
        print(json.dumps({"here": here, "there": there}))
        """
    )
    assert result["there"] is not None
    assert result["there"] == result["here"]


def test_no_fork_while_other_threads_run() -> None:
    result = run(
        """
        import threading
        waiting = threading.Event()
        helper = threading.Thread(target=waiting.wait)
        helper.start()
        with ModelWorker() as worker:
            started = worker.pid is not None
            job = worker.submit(req(json.loads(DOC), "# h"))
        waiting.set()
        helper.join()
        print(json.dumps({"started": started, "job": job is not None}))
        """
    )
    assert result == {"started": False, "job": False}


def test_leaving_the_block_on_an_error_ends_the_busy_child() -> None:
    result = run(
        """
        pid = None
        try:
            with ModelWorker() as worker:
                pid = worker.pid
                worker.submit(req(json.loads(DOC), "# h"))
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            pass
        print(json.dumps({"forked": pid is not None, "alive": alive(pid)}))
        """
    )
    assert result == {"forked": True, "alive": False}


def test_generate_from_the_cli_uses_the_worker_and_writes_the_same_tree(tmp_path: Path) -> None:
    """The same package, byte for byte, with the child (which models the planned document while
    the parent checks it) and without it (no job is then submitted); the CLI ends the child."""
    result = run(
        f"""
        import hashlib
        from pathlib import Path
        from apiforge import cli
        def tree(root):
            return {{str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(Path(root).rglob("*")) if p.is_file()}}
        used, pids = [], []
        original = ModelJob.result
        def spy(job):
            answer = original(job)
            used.append(isinstance(answer, str))  # the child's models.py, not "no answer"
            pids.append(job._worker.pid)
            return answer
        ModelJob.result = spy
        spec = "spec/provider.yaml"
        a = cli.main(["generate", spec, "--out", "{tmp_path}/with", "-q"])
        ModelWorker.start = lambda self: None
        b = cli.main(["generate", spec, "--out", "{tmp_path}/without", "-q"])
        print(json.dumps({{"codes": [a, b], "used": used, "ended": not alive(pids[0]),
                          "same": tree("{tmp_path}/with") == tree("{tmp_path}/without")}}))
        """
    )
    assert result == {"codes": [0, 0], "used": [True], "ended": True, "same": True}


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
        original = ModelWorker.submit
        def spy(worker, request):
            job = original(worker, request)
            pids.append(worker.pid if job else None)
            return job
        ModelWorker.submit = spy
        code = cli.main(["generate", str(spec), "--out", "{tmp_path}/out", "-q"])
        print(json.dumps({{"code": code, "submitted": pids[0] is not None,
                          "alive": alive(pids[0]), "written": Path("{tmp_path}/out").exists()}}))
        """
    )
    assert result == {"code": 1, "submitted": True, "alive": False, "written": False}


def test_cancel_lets_a_request_still_being_written_fail_before_closing_its_pipe() -> None:
    """A large request waits in the pipe while the child imports; cancelling ends the child
    first, so the writing thread fails on a closed pipe rather than on a reused descriptor."""
    result = run(
        """
        with ModelWorker() as worker:
            child = worker._child
            big = LibraryRequest("x" * 5_000_000, "# h", "key", None)
            job = worker.submit(big)
            sending = child.sending
            job.cancel()
            print(json.dumps({"writer_done": not sending.is_alive(), "child_alive": alive(child.pid),
                              "failed": child.send_failed, "stopped": worker.pid is None}))
        """
    )
    assert result == {"writer_done": True, "child_alive": False, "failed": True, "stopped": True}
