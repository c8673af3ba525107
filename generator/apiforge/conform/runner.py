"""Send each scenario to BASE_URL, one at a time, bounded in requests and time; judge the answers.

Streams are read as they arrive: each network read is decoded by the runtime's SSE decoder and
every event judged at once; a stream still open at the timeout is cut and reported. Requests go to
BASE_URL only (no redirects followed), paced to the spec's `x-apiforge-rate-limit`.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from apiforge.conform.checks import Finding, Request
from apiforge.conform.contract import Contract, OperationContract
from apiforge.conform.judge import error_message, expectation, judge_plain, undocumented
from apiforge.conform.scenarios import Scenario, scenarios
from apiforge.conform.stream import Problem, StreamWatch
from apiforge.document.media import is_event_stream
from apiforge.runtime.client.sse import SSEDecoder

__all__ = ["DEFAULT_API_KEY", "Options", "Report", "Unreachable", "run"]

DEFAULT_API_KEY = "sk-apiforge-conform"
_MAX_BODY = 32 * 1024 * 1024
_GIVE_UP = 3  # answers in a row that timed out: the endpoint is not answering, stop asking
_STREAM_CHECKS = (
    "chunk-schema",
    "stream-sentinel",
    "stream-error",
    "merged-shape",
    "finish-reason",
    "tool-call-deltas",
    "usage-total",
)


class Unreachable(Exception):
    """BASE_URL does not answer at all."""


@dataclass(frozen=True)
class Options:
    base_url: str
    api_key: str | None = None
    model: str | None = None
    operations: tuple[str, ...] = ()
    max_requests: int = 100
    timeout: float = 30.0


@dataclass
class Report:
    base_url: str
    findings: list[Finding] = field(default_factory=list)
    requests: int = 0
    exercised: set[tuple[str, str]] = field(default_factory=set)  # (check, operation)
    operations: list[str] = field(default_factory=list)
    not_sent: int = 0  # scenarios left out by --max-requests, or after timeouts in a row

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def run(
    contract: Contract, options: Options, transport: httpx.BaseTransport | None = None
) -> Report:
    report = Report(options.base_url.rstrip("/"))
    timeout = httpx.Timeout(options.timeout)
    with httpx.Client(timeout=timeout, follow_redirects=False, transport=transport) as client:
        session = _Session(contract, options, report, client)
        for op in contract.operations:
            if options.operations and op.operation_id not in options.operations:
                continue
            report.operations.append(op.operation_id)
            for scenario in scenarios(op, options.model):
                if report.requests >= options.max_requests or session.silent >= _GIVE_UP:
                    report.not_sent += 1
                    continue
                session.send(op, scenario)
    return report


@dataclass
class _Session:
    contract: Contract
    options: Options
    report: Report
    client: httpx.Client
    last_sent: float = 0.0
    silent: int = 0  # requests in a row that timed out

    def send(self, op: OperationContract, scenario: Scenario) -> None:
        request = self._request(op, scenario)
        security = self.contract.security
        credentials = None
        url = request.url
        if scenario.authorized and security is not None:
            credentials = (security.kind, security.parameter_name)
            if security.kind == "query":  # the key stays out of every report
                url = url.copy_remove_param(security.parameter_name)
        shown = Request(op.method, str(url), scenario.body, credentials)
        problems = self._exchange(op, scenario, request)
        if problems is None:  # rate limited: one more try after the wait the server asked for
            problems = self._exchange(op, scenario, self._request(op, scenario), retry=False)
        self._exercised(op, scenario)
        timed_out = any(p.check == "timeout" for p in problems or [])
        self.silent = self.silent + 1 if timed_out else 0
        seen: set[tuple[str, str]] = set()
        for p in problems or []:
            if (p.check, p.message) not in seen:
                seen.add((p.check, p.message))
                finding = Finding(p.check, op.operation_id, p.message, shown, p.pointer)
                self.report.findings.append(finding)

    def _exchange(
        self, op: OperationContract, scenario: Scenario, request: httpx.Request, retry: bool = True
    ) -> list[Problem] | None:
        self._pace(op)
        self.report.requests += 1
        deadline = time.monotonic() + self.options.timeout
        try:
            response = self.client.send(request, stream=True)
        except httpx.TimeoutException:
            return [_timeout(op, self.options.timeout)]
        except httpx.TransportError as exc:
            if self.report.requests == 1:
                raise Unreachable(f"cannot reach {self.report.base_url}: {exc}") from None
            return [Problem(scenario.check, f"the connection failed: {exc}", op.pointer)]
        try:
            status = response.status_code
            if status == 429 and retry and self.report.requests < self.options.max_requests:
                time.sleep(_retry_after(response, self.options.timeout))
                return None
            problems = [p for p in [undocumented(op, status)] if p]
            if is_event_stream(response.headers.get("content-type", "")) and scenario.stream:
                problems += self._stream(op, scenario, response, deadline)
                said = None
            else:
                raw, cut = _read(response, deadline)
                if cut:
                    return [*problems, _timeout(op, self.options.timeout)]
                said = error_message(raw, self.contract.envelope.message) if status >= 300 else None
                problems += judge_plain(
                    op, scenario, status, response.headers, raw, self.contract.envelope.message
                )
            problems += [p for p in [expectation(op, scenario, status, said)] if p]
            return problems
        finally:
            response.close()

    def _stream(
        self, op: OperationContract, scenario: Scenario, response: httpx.Response, deadline: float
    ) -> list[Problem]:
        assert op.stream is not None
        success = op.response(200)
        errors = op.response(400)
        watch = StreamWatch(
            op.stream,
            self.contract.envelope.message,
            success.json if success else None,
            errors.json.pointer if errors and errors.json else op.stream.pointer,
            include_usage=scenario.include_usage,
            tools=scenario.tools,
            output_schema=scenario.output_schema,
        )
        decoder = SSEDecoder()
        try:
            for data in response.iter_raw():
                for event in decoder.feed(data):
                    watch.event(event)
                if time.monotonic() > deadline:
                    return [*watch.finish(cut=True), _timeout(op, self.options.timeout, True)]
        except httpx.TimeoutException:
            return [*watch.finish(cut=True), _timeout(op, self.options.timeout, True)]
        except httpx.TransportError as exc:
            watch.finish(cut=True)
            return [
                *watch.problems,
                Problem("stream-sentinel", f"the stream broke off: {exc}", op.stream.pointer),
            ]
        for event in decoder.flush():
            watch.event(event)
        return watch.finish(cut=False)

    def _request(self, op: OperationContract, scenario: Scenario) -> httpx.Request:
        path = op.path.split("#", 1)[0]
        for name, value in scenario.path_values:
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        headers = {"Accept": "text/event-stream" if scenario.stream else "application/json"}
        params = dict(scenario.query)
        security = self.contract.security
        if scenario.authorized and security is not None:
            key = self.options.api_key or DEFAULT_API_KEY
            if security.kind == "bearer":
                headers["Authorization"] = f"Bearer {key}"
            elif security.kind == "basic":
                headers["Authorization"] = "Basic " + base64.b64encode(key.encode()).decode()
            elif security.kind == "header":
                headers[security.parameter_name] = key
            else:
                params[security.parameter_name] = key
        body = {} if scenario.body is None else {"json": scenario.body}
        return self.client.build_request(
            op.method, self.report.base_url + path, headers=headers, params=params, **body
        )

    def _pace(self, op: OperationContract) -> None:
        if op.requests_per_second:
            wait = self.last_sent + 1.0 / op.requests_per_second - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self.last_sent = time.monotonic()

    def _exercised(self, op: OperationContract, scenario: Scenario) -> None:
        checks = [
            scenario.check,
            "status-documented",
            "content-type",
            "required-headers",
            "timeout",
            "body-schema" if scenario.expect == "success" else "error-envelope",
        ]
        if scenario.stream:
            checks += _STREAM_CHECKS
        if scenario.include_usage:
            checks.append("usage-chunk")
        if scenario.tools:
            checks.append("tool-arguments")
        if scenario.output_schema is not None:
            checks.append("structured-output")
        self.report.exercised.update((c, op.operation_id) for c in checks)


def _read(response: httpx.Response, deadline: float) -> tuple[bytes, bool]:
    """The body, read until the deadline (then cut: True) and at most _MAX_BODY bytes."""
    parts: list[bytes] = []
    size = 0
    try:
        for data in response.iter_bytes():
            parts.append(data)
            size += len(data)
            if time.monotonic() > deadline:
                return b"".join(parts), True
            if size > _MAX_BODY:
                break
    except httpx.TimeoutException:
        return b"".join(parts), True
    except httpx.TransportError:
        pass
    return b"".join(parts), False


def _retry_after(response: httpx.Response, cap: float) -> float:
    try:
        return min(max(float(response.headers.get("retry-after", "1")), 0.0), cap)
    except ValueError:
        return min(1.0, cap)


def _timeout(op: OperationContract, seconds: float, stream: bool = False) -> Problem:
    what = "the stream did not end" if stream else "no complete answer arrived"
    return Problem("timeout", f"{what} within {seconds:g} s; cut", op.pointer)
