#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""Plays a Thread Lab scenario on real Twisted and writes the run as a Thread Lab trace.

    /usr/bin/python3 scripts/twisted-scenario.py SCENARIO [--export-trace OUT.json] [--timeout SECONDS]

SCENARIO is a scenario file (docs/scenarios.md) or the name of a built-in one (resources/scenarios/NAME.json). Every
step is played with Twisted's own APIs on the global reactor and its thread pool: reactor.callInThread,
threads.deferToThread, threads.callMultipleInThread, threads.blockingCallFromThread, reactor.callFromThread,
reactor.suggestThreadPoolSize and ThreadPool.adjustPoolsize. Durations and failures are drawn from the scenario's seed
exactly as qtwisted draws them, so both runs play the same jobs.

The trace (--export-trace) is the Chrome trace JSON that Thread Lab exports, with the "qtw" records its importer
reads: each job's queued/started/ended times and worker thread (one lane per Twisted worker thread, under the name
Twisted gave it), callbacks and blockingCallFromThread waits in the reactor thread, the pool's resizes, backlog and
busy counters, and reactor stalls. Its process is named "Twisted <version> trace", so a viewer tells it from a
qtwisted run. Open it in Thread Lab, compare it (thread-lab --compare QTWISTED.json TWISTED.json) or load it in
Perfetto.

Exit status:
  0  the scenario ran to its end
  1  the scenario ran, but the trace could not be written
  2  nothing was run: bad arguments, an unknown scenario, an invalid or unreadable scenario file, or an
     --export-trace path that cannot be written
  3  nothing was run: Twisted cannot be imported (Debian: sudo apt-get install python3-twisted)
  4  timed out: Twisted did not finish within --timeout (a deadlock, such as lesson-blocking-exhaustion); the trace
     holds what happened up to then and is marked as timed out
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NoReturn, Optional, Union

PROG = "twisted-scenario.py"
REPO = Path(__file__).resolve().parent.parent
BUILTIN_DIR = REPO / "resources" / "scenarios"

EXIT_OK = 0
EXIT_TRACE_NOT_WRITTEN = 1
EXIT_NOTHING_RUN = 2
EXIT_NO_TWISTED = 3
EXIT_TIMED_OUT = 4

# How long past the scenario's own script (its last step's "at" plus its pauses) the run may take by default.
DEFAULT_MARGIN_S = 30.0
# Reactor-thread work that runs back to back (gaps under STALL_GAP_NS) for longer than this is a stall: qtwisted's
# default DiagnosticThresholds::stall.
STALL_NS = 100_000_000
STALL_GAP_NS = 1_000_000


def fail(message: str, code: int) -> NoReturn:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


# ---- the scenario format (docs/scenarios.md; the same rules as core/inspect/src/scenario.cpp) -----------------------

MAX_FILE_BYTES = 1024 * 1024
MAX_NESTING = 64
MAX_NAME, MAX_DESCRIPTION, MAX_SOURCE = 100, 4000, 20000
MAX_STEPS = 10000
MAX_AT_MS = 86_400_000
MAX_COUNT, MAX_TOTAL_JOBS = 100_000, 1_000_000
MAX_SLEEP_MS, MAX_REACTOR_SLEEP_MS = 3_600_000, 5000
MAX_LABEL, MAX_PRINT = 200, 10000
MAX_CALLS = 100
MAX_POOL = 1024
MAX_PAUSE_MS = 86_400_000
MAX_SEED = 4_294_967_295
APIS = ("callInThread", "deferToThread", "callMultipleInThread", "blockingCallFromThread", "callFromThread")
REACTOR_APIS = ("callFromThread", "blockingCallFromThread")


class ScenarioError(Exception):
    """A scenario that cannot be played; the message says where and why."""


@dataclass
class Sleep:
    min_ms: int = 0
    max_ms: int = 0


@dataclass
class Call:
    sleep: Sleep
    print: str = ""


@dataclass
class Queue:
    api: str
    count: int = 1
    sleep: Sleep = field(default_factory=Sleep)
    label: str = ""
    failure_rate: float = 0.0
    print: str = ""
    calls: list[Call] = field(default_factory=list)
    returns: str = "callLater"


@dataclass
class Resize:
    min: Optional[int] = None
    max: Optional[int] = None


@dataclass
class Pause:
    ms: int


@dataclass
class WaitIdle:
    pass


@dataclass
class Stop:
    pass


Action = Union[Queue, Resize, Pause, WaitIdle, Stop]


@dataclass
class Step:
    at_ms: int
    action: Action


@dataclass
class Scenario:
    name: str
    description: str = ""
    pool: Optional[Resize] = None
    seed: int = 0
    steps: list[Step] = field(default_factory=list)

    def job_count(self) -> int:
        return sum(s.action.count for s in self.steps if isinstance(s.action, Queue))

    def scripted_ms(self) -> int:
        """The script's own length: its last step's "at" plus every pause (a lower bound of the run)."""
        last = self.steps[-1].at_ms if self.steps else 0
        return last + sum(s.action.ms for s in self.steps if isinstance(s.action, Pause))


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def path_key(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Checker:
    """Checks a parsed document against the schema; the first broken rule raises ScenarioError."""

    @staticmethod
    def fail(path: str, rule: str) -> NoReturn:
        raise ScenarioError(f"{path}: {rule}")

    def allowed_keys(self, obj: dict, path: str, allowed: tuple[str, ...]) -> None:
        for key in sorted(obj):
            if key not in allowed:
                rule = ("unknown key (this object takes none)" if not allowed
                        else f"unknown key (allowed: {', '.join(allowed)})")
                self.fail(path_key(path, key), rule)

    def require(self, obj: dict, path: str, key: str) -> None:
        if key not in obj:
            self.fail(path, f'missing required key "{key}"')

    def integer(self, value: Any, path: str, lo: int, hi: int) -> int:
        if not is_integer(value) or not lo <= value <= hi:
            self.fail(path, f"must be an integer in {lo}..{hi}")
        return value

    def string(self, value: Any, path: str, min_length: int, max_length: int) -> str:
        length = utf16_length(value) if isinstance(value, str) else -1
        if not min_length <= length <= max_length:
            self.fail(path, f"must be a string of {min_length}..{max_length} characters" if min_length > 0
                      else f"must be a string of at most {max_length} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(path, "must not hold a lone surrogate")
        return value

    def optional_string(self, obj: dict, path: str, key: str, max_length: int) -> str:
        return self.string(obj[key], path_key(path, key), 0, max_length) if key in obj else ""

    def empty_object(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, "must be an empty object {}")
        self.allowed_keys(value, path, ())

    def pool_size(self, value: Any, path: str) -> Resize:
        if not isinstance(value, dict):
            self.fail(path, 'must be an object {"min", "max"}')
        self.allowed_keys(value, path, ("min", "max"))
        if "min" not in value and "max" not in value:
            self.fail(path, "must set min, max or both")
        size = Resize()
        if "min" in value:
            size.min = self.integer(value["min"], path_key(path, "min"), 0, MAX_POOL)
        if "max" in value:
            size.max = self.integer(value["max"], path_key(path, "max"), 0, MAX_POOL)
        if size.min is not None and size.max is not None and size.min > size.max:
            self.fail(path_key(path, "min"), f"must not exceed max ({size.max})")
        return size

    def sleep(self, value: Any, path: str, max_ms: int) -> Sleep:
        if isinstance(value, list):
            if len(value) != 2:
                self.fail(path, "a range must be [min, max]: exactly 2 integers")
            lo = self.integer(value[0], f"{path}[0]", 0, max_ms)
            hi = self.integer(value[1], f"{path}[1]", 0, max_ms)
            if lo > hi:
                self.fail(path, "the range's minimum must not exceed its maximum")
            return Sleep(lo, hi)
        if not is_integer(value) or not 0 <= value <= max_ms:
            self.fail(path, f"must be an integer in 0..{max_ms} or a range [min, max] of such integers")
        return Sleep(value, value)

    def scenario(self, root: Any) -> Scenario:
        path = "$"
        if not isinstance(root, dict):
            self.fail(path, "must be an object (a scenario)")
        self.allowed_keys(root, path, ("version", "name", "description", "pool", "seed", "python", "cpp", "steps"))
        if "version" in root and not (is_integer(root["version"]) and root["version"] == 1):
            self.fail(path_key(path, "version"), "must be 1 (the only version of the format)")
        self.require(root, path, "name")
        scenario = Scenario(name=self.string(root["name"], "$.name", 1, MAX_NAME))
        scenario.description = self.optional_string(root, path, "description", MAX_DESCRIPTION)
        if "pool" in root:
            scenario.pool = self.pool_size(root["pool"], "$.pool")
        if "seed" in root:
            scenario.seed = self.integer(root["seed"], "$.seed", 0, MAX_SEED)
        self.optional_string(root, path, "python", MAX_SOURCE)
        self.optional_string(root, path, "cpp", MAX_SOURCE)
        self.require(root, path, "steps")
        steps = root["steps"]
        if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
            self.fail("$.steps", f"must be an array of 1..{MAX_STEPS} steps")
        total = 0
        for index, item in enumerate(steps):
            step_path = f"$.steps[{index}]"
            if scenario.steps and isinstance(scenario.steps[-1].action, Stop):
                self.fail(step_path, "no step may follow a stop step")
            step = self.step(item, step_path)
            if scenario.steps and step.at_ms < scenario.steps[-1].at_ms:
                self.fail(f"{step_path}.at",
                          f"must not be earlier than the previous step's at ({scenario.steps[-1].at_ms})")
            if isinstance(step.action, Queue):
                total += step.action.count
                if total > MAX_TOTAL_JOBS:
                    self.fail(f"{step_path}.queue.count", f"the scenario's jobs would total more than {MAX_TOTAL_JOBS}")
            scenario.steps.append(step)
        return scenario

    def step(self, value: Any, path: str) -> Step:
        if not isinstance(value, dict):
            self.fail(path, "must be an object (a step)")
        self.allowed_keys(value, path, ("at", "queue", "resize", "pause", "waitIdle", "stop"))
        self.require(value, path, "at")
        at_ms = self.integer(value["at"], f"{path}.at", 0, MAX_AT_MS)
        action = ""
        for key in sorted(value):
            if key == "at":
                continue
            if action:
                self.fail(path_key(path, key), f'a step has exactly one action (this one already has "{action}")')
            action = key
        if not action:
            self.fail(path, "a step needs one action: queue, resize, pause, waitIdle or stop")
        action_path = path_key(path, action)
        body = value[action]
        if action == "queue":
            return Step(at_ms, self.queue(body, action_path))
        if action == "resize":
            return Step(at_ms, self.pool_size(body, action_path))
        if action == "pause":
            if not isinstance(body, dict):
                self.fail(action_path, 'must be an object {"ms"}')
            self.allowed_keys(body, action_path, ("ms",))
            self.require(body, action_path, "ms")
            return Step(at_ms, Pause(self.integer(body["ms"], f"{action_path}.ms", 1, MAX_PAUSE_MS)))
        self.empty_object(body, action_path)
        return Step(at_ms, WaitIdle() if action == "waitIdle" else Stop())

    def queue(self, value: Any, path: str) -> Queue:
        if not isinstance(value, dict):
            self.fail(path, "must be an object (jobs to queue)")
        self.allowed_keys(value, path,
                          ("api", "count", "sleepMs", "label", "failureRate", "print", "calls", "returns"))
        self.require(value, path, "api")
        if value["api"] not in APIS:
            self.fail(f"{path}.api", "must be one of " + ", ".join(APIS))
        queue = Queue(api=value["api"])
        max_sleep = MAX_REACTOR_SLEEP_MS if queue.api == "callFromThread" else MAX_SLEEP_MS
        if "count" in value:
            queue.count = self.integer(value["count"], f"{path}.count", 1, MAX_COUNT)
        if "calls" in value:
            calls_path = f"{path}.calls"
            if queue.api != "callMultipleInThread":
                self.fail(calls_path, "only allowed with api callMultipleInThread")
            for key in ("sleepMs", "print"):
                if key in value:
                    self.fail(f"{path}.{key}", "not allowed together with calls (set it on each call)")
            calls = value["calls"]
            if not isinstance(calls, list) or not 1 <= len(calls) <= MAX_CALLS:
                self.fail(calls_path, f"must be an array of 1..{MAX_CALLS} calls")
            for i, item in enumerate(calls):
                call_path = f"{calls_path}[{i}]"
                if not isinstance(item, dict):
                    self.fail(call_path, 'must be an object {"sleepMs", "print"}')
                self.allowed_keys(item, call_path, ("sleepMs", "print"))
                call = Call(Sleep())
                if "sleepMs" in item:
                    call.sleep = self.sleep(item["sleepMs"], f"{call_path}.sleepMs", max_sleep)
                call.print = self.optional_string(item, call_path, "print", MAX_PRINT)
                queue.calls.append(call)
        if "sleepMs" in value:
            queue.sleep = self.sleep(value["sleepMs"], f"{path}.sleepMs", max_sleep)
        queue.label = self.optional_string(value, path, "label", MAX_LABEL)
        if "failureRate" in value:
            rate = value["failureRate"]
            if not is_number(rate) or not 0.0 <= rate <= 1.0:
                self.fail(f"{path}.failureRate", "must be a number in 0..1")
            queue.failure_rate = float(rate)
        if "returns" in value:
            if queue.api != "blockingCallFromThread":
                self.fail(f"{path}.returns", "only allowed with api blockingCallFromThread")
            if value["returns"] not in ("callLater", "deferToThread"):
                self.fail(f"{path}.returns", 'must be "callLater" or "deferToThread"')
            queue.returns = value["returns"]
        queue.print = self.optional_string(value, path, "print", MAX_PRINT)
        return queue


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    result: dict = {}
    for key, value in pairs:
        if key in result:
            raise ScenarioError(f'duplicate key "{key}"')
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ScenarioError(f"{name}: NaN and Infinity are not allowed in JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ScenarioError(f"{text}: number out of the range of a double")
    return value


def _nesting(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_scenario(data: bytes) -> Scenario:
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"the input is {len(data)} bytes, more than the limit of {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ScenarioError(f"not valid JSON: invalid UTF-8 at byte {e.start}") from None
    if not text.strip():
        raise ScenarioError("empty input")
    try:
        root = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant,
                          parse_float=_finite_float)
    except json.JSONDecodeError as e:
        raise ScenarioError(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise ScenarioError(f"nesting deeper than {MAX_NESTING} levels") from None
    if _nesting(root) > MAX_NESTING:
        raise ScenarioError(f"nesting deeper than {MAX_NESTING} levels")
    return _Checker().scenario(root)


def builtin_names() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.json"))


def load_scenario(name_or_path: str) -> Scenario:
    """A file if one exists at `name_or_path`, else the built-in scenario of that name (as thread-lab --scenario)."""
    path = Path(name_or_path)
    if path.is_file():
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ScenarioError(f"{name_or_path}: cannot be read: {e.strerror or e}") from None
        try:
            return parse_scenario(data)
        except ScenarioError as e:
            raise ScenarioError(f"{name_or_path}: {e}") from None
    builtin = BUILTIN_DIR / f"{name_or_path}.json"
    if not name_or_path or "/" in name_or_path or not builtin.is_file():
        raise ScenarioError(f'no scenario file "{name_or_path}" and no built-in scenario of that name '
                            f"(built-in: {', '.join(builtin_names())})")
    try:
        return parse_scenario(builtin.read_bytes())
    except (OSError, ScenarioError) as e:
        raise ScenarioError(f"{builtin}: {e}") from None


def output_problem(path: str) -> Optional[str]:
    """Why the trace cannot be written at `path` (None: it can). The trace is written to a temporary file beside it,
    then renamed: the folder must take a new file."""
    target = Path(path)
    if target.is_dir():
        return f"{path} is a folder"
    folder = target.absolute().parent
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} cannot be written"
    if target.exists() and not os.access(target, os.W_OK):
        return f"{path} exists and cannot be overwritten"
    return None


# ---- qtwisted's random draws --------------------------------------------------------------------------------------

class QtRandom:
    """QRandomGenerator(seed) as qtwisted's ScenarioRunner uses it: std::mt19937 seeded through std::seed_seq{seed},
    bounded(n) and generateDouble(). Python's own Mersenne Twister runs it once its state is set from the seed_seq."""

    def __init__(self, seed: int) -> None:
        import random
        state = self._seed_seq([seed & 0xFFFFFFFF], 624)
        if state[0] & 0x80000000 == 0 and not any(state[1:]):
            state[0] = 0x80000000  # the engine's rule for an all-zero state
        self._engine = random.Random()
        self._engine.setstate((3, tuple(state) + (624,), None))

    @staticmethod
    def _seed_seq(seeds: list[int], n: int) -> list[int]:
        """std::seed_seq::generate (C++ [rand.util.seedseq]) for n 32-bit words."""
        mask = 0xFFFFFFFF
        out = [0x8B8B8B8B] * n
        s = len(seeds)
        t = 11 if n >= 623 else 7 if n >= 68 else 5 if n >= 39 else 3 if n >= 7 else (n - 1) // 2
        p = (n - t) // 2
        q = p + t
        m = max(s + 1, n)

        def mix(x: int) -> int:
            return (x ^ (x >> 27)) & mask

        for k in range(m):
            r1 = (1664525 * mix(out[k % n] ^ out[(k + p) % n] ^ out[(k - 1) % n])) & mask
            r2 = (r1 + (s if k == 0 else k % n + seeds[k - 1] if k <= s else k % n)) & mask
            out[(k + p) % n] = (out[(k + p) % n] + r1) & mask
            out[(k + q) % n] = (out[(k + q) % n] + r2) & mask
            out[k % n] = r2
        for k in range(m, m + n):
            r3 = (1566083941 * mix((out[k % n] + out[(k + p) % n] + out[(k - 1) % n]) & mask)) & mask
            r4 = (r3 - k % n) & mask
            out[(k + p) % n] ^= r3
            out[(k + q) % n] ^= r4
            out[k % n] = r4
        return out

    def generate(self) -> int:
        return self._engine.getrandbits(32)

    def bounded(self, highest: int) -> int:
        return (self.generate() * highest) >> 32

    def generate_double(self) -> float:
        low = self.generate()
        high = self.generate()
        return ((low | high << 32) >> 11) / float(1 << 53)


@dataclass
class CallPlan:
    sleep_ms: int
    fail: bool
    print: str


@dataclass
class JobPlan:
    number: int
    label: str
    failure_rate: float
    calls: list[CallPlan]
    returns: str


def format_rate(rate: float) -> str:
    text = repr(rate)
    return text[:-2] if text.endswith(".0") else text


def expand(text: str, job: int, sleep_ms: int) -> str:
    return text.replace("{job}", str(job)).replace("{sleepMs}", str(sleep_ms))


def draw(random: QtRandom, queue: Queue, number: int) -> JobPlan:
    """One job, drawn in submission order as qtwisted's ScenarioRunner draws it."""
    specs = queue.calls or [Call(queue.sleep, queue.print)]
    calls = []
    for spec in specs:
        sleep_ms = spec.sleep.min_ms
        if spec.sleep.max_ms > spec.sleep.min_ms:
            sleep_ms += random.bounded(spec.sleep.max_ms - spec.sleep.min_ms + 1)
        failed = queue.failure_rate > 0.0 and random.generate_double() < queue.failure_rate
        calls.append(CallPlan(sleep_ms, failed, expand(spec.print, number, sleep_ms)))
    total = sum(c.sleep_ms for c in calls)
    label = expand(queue.label, number, total) if queue.label else f"sleep {total} ms"
    return JobPlan(number, label, queue.failure_rate, calls, queue.returns)


def simulated_failure(plan: JobPlan) -> RuntimeError:
    return RuntimeError(f"job #{plan.number} failed (simulated, failureRate {format_rate(plan.failure_rate)})")


# ---- what is recorded ---------------------------------------------------------------------------------------------

def now_ns() -> int:
    return time.monotonic_ns()


@dataclass
class JobRecord:
    row: int
    id: int
    api: str
    label: str
    queued: Optional[int] = None
    started: Optional[int] = None
    ended: Optional[int] = None
    status: str = "queued"
    worker: int = -1
    lane: Optional[int] = None
    callback: Optional[int] = None
    callback_dur: int = 0
    blocked: Optional[int] = None
    blocked_dur: Optional[int] = None

    @property
    def on_reactor(self) -> bool:
        return self.api in REACTOR_APIS


@dataclass
class Lane:
    index: int
    name: str
    created: int
    retired: Optional[int] = None


@dataclass
class ResizeRecord:
    time: int
    old_min: int
    old_max: int
    new_min: int
    new_max: int
    by: str


class Recorder:
    """Every record of the run, written from the reactor thread and the pool's threads under one lock."""

    def __init__(self, pool_name: str) -> None:
        self.lock = threading.Lock()
        self.origin = now_ns()
        self.pool_name = pool_name
        self.initial_min = 0
        self.initial_max = 0
        self.jobs: list[JobRecord] = []
        self.lanes: list[Lane] = []
        self.lane_of: dict[threading.Thread, Lane] = {}
        self.resizes: list[ResizeRecord] = []
        self.next_pool_id = 0
        self.next_reactor_id = 0

    def new_job(self, api: str, label: str) -> JobRecord:
        with self.lock:
            if api in REACTOR_APIS:
                self.next_reactor_id += 1
                job_id = self.next_reactor_id
            else:
                self.next_pool_id += 1
                job_id = self.next_pool_id
            job = JobRecord(row=len(self.jobs), id=job_id, api=api, label=label, queued=now_ns())
            self.jobs.append(job)
            return job

    def started(self, job: JobRecord) -> None:
        with self.lock:
            job.started = now_ns()
            job.status = "running"
            if not job.on_reactor:
                lane = self.lane_of.get(threading.current_thread())
                if lane is not None:
                    job.lane = lane.index
                    job.worker = lane.index

    def ended(self, job: JobRecord, ok: bool) -> None:
        with self.lock:
            job.ended = now_ns()
            job.status = "finished" if ok else "failed"

    def callback(self, job: JobRecord, start: int) -> None:
        with self.lock:
            job.callback = start
            job.callback_dur = now_ns() - start

    def blocking(self, job: JobRecord) -> None:
        with self.lock:
            job.blocked = now_ns()

    def unblocked(self, job: JobRecord) -> None:
        with self.lock:
            job.blocked_dur = now_ns() - job.blocked

    def new_lane(self, name: str) -> Lane:
        with self.lock:
            lane = Lane(len(self.lanes), name, now_ns())
            self.lanes.append(lane)
            return lane

    def bind(self, thread: threading.Thread, lane: Lane) -> None:
        with self.lock:
            self.lane_of[thread] = lane

    def retired(self, lane: Lane) -> None:
        with self.lock:
            lane.retired = now_ns()

    def resized(self, at: int, old: tuple[int, int], new: tuple[int, int], by: str) -> None:
        with self.lock:
            self.resizes.append(ResizeRecord(at, old[0], old[1], new[0], new[1], by))


# ---- the run's numbers (what thread-lab --compare computes: core/inspect/src/runcomparison.cpp) ---------------------

def percentile(sorted_values: list[int], p: int) -> int:
    if not sorted_values:
        return 0
    n = len(sorted_values)
    return sorted_values[max(1, (p * n + 99) // 100) - 1]


def step_series(changes: list[tuple[int, int]], initial: int = 0) -> list[tuple[int, int]]:
    """(time, delta) changes -> [(time, value)] points, one per time at which the value changed."""
    points: list[tuple[int, int]] = []
    value = initial
    for t, delta in sorted(changes):
        value += delta
        if points and points[-1][0] == t:
            points[-1] = (t, value)
        else:
            points.append((t, value))
    cleaned: list[tuple[int, int]] = []
    previous = initial
    for t, v in points:
        if v != previous:
            cleaned.append((t, v))
            previous = v
    return cleaned


def pool_series(jobs: list[JobRecord]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The pool's backlog (queued, not started) and busy workers over time, from the pool jobs' records."""
    backlog: list[tuple[int, int]] = []
    busy: list[tuple[int, int]] = []
    for job in jobs:
        if job.on_reactor or job.queued is None:
            continue
        backlog.append((job.queued, 1))
        if job.started is not None:
            backlog.append((job.started, -1))
            if job.lane is not None:
                busy.append((job.started, 1))
                if job.ended is not None:
                    busy.append((job.ended, -1))
    return step_series(backlog), step_series(busy)


@dataclass
class Summary:
    jobs: int = 0
    failed: int = 0
    makespan_ns: int = 0
    wait_p50: int = 0
    wait_p95: int = 0
    run_p50: int = 0
    run_p95: int = 0
    busy_percent: float = 0.0
    peak_backlog: int = 0
    lanes: int = 0


def summarize(jobs: list[JobRecord], lanes: list[Lane], latest: int) -> Summary:
    s = Summary(lanes=len(lanes))
    done = [j for j in jobs if not j.on_reactor and j.status in ("finished", "failed")]
    s.jobs = len(done)
    s.failed = sum(1 for j in done if j.status == "failed")
    if not done:
        return s
    first = min(j.queued if j.queued is not None else j.started for j in done)
    last = max(j.ended for j in done)
    if last <= first:
        return s
    s.makespan_ns = last - first
    waits: list[int] = []
    runs: list[int] = []
    busy_shares: list[float] = []
    for lane in lanes:
        on_lane = [j for j in jobs if j.lane == lane.index and j.started is not None
                   and j.started <= last and (j.ended is None or j.ended >= first)]
        alive = lane.created <= last and (lane.retired is None or lane.retired >= first)
        if not alive:
            continue
        busy = 0
        for j in on_lane:
            end = j.ended if j.ended is not None else latest
            busy += max(0, min(end, last) - max(j.started, first))
            if first <= j.started <= last and j.queued is not None:
                waits.append(j.started - j.queued)
            if j.ended is not None and first <= j.ended <= last:
                runs.append(j.ended - j.started)
        busy_shares.append(busy * 100.0 / s.makespan_ns)
    waits.sort()
    runs.sort()
    s.wait_p50, s.wait_p95 = percentile(waits, 50), percentile(waits, 95)
    s.run_p50, s.run_p95 = percentile(runs, 50), percentile(runs, 95)
    s.busy_percent = sum(busy_shares) / len(busy_shares) if busy_shares else 0.0
    backlog, _ = pool_series(jobs)
    value, peak = 0, 0
    for t, v in backlog:
        if t <= first:
            value = v
        elif t <= last:
            peak = max(peak, v)
    s.peak_backlog = max(peak, value)
    return s


def unfinished(jobs: list[JobRecord]) -> tuple[int, int, int]:
    """Pool jobs still running, pool jobs still queued, callers still waiting in blockingCallFromThread."""
    pool = [j for j in jobs if not j.on_reactor]
    return (sum(1 for j in pool if j.status == "running"), sum(1 for j in pool if j.status == "queued"),
            sum(1 for j in jobs if j.blocked is not None and j.blocked_dur is None))


def ms(ns: int) -> str:
    return f"{ns / 1e6:.2f} ms"


# ---- the trace (the layout of core/inspect/src/chrometraceexport.cpp, format 1) ----------------------------------

PID = 1
REACTOR_TID, STALL_TID, NO_WORKER_TID, REACTOR_SUBMIT_TID, POOL_SUBMIT_TID = 1, 2, 3, 9, 10
LANE_TID_BASE = 1000
OVERFLOW_TID_BASE = 100_000_000
TRACE_FORMAT = 1


def micros(ns: int) -> float:
    return max(0, ns) / 1000.0


def reactor_stalls(jobs: list[JobRecord]) -> list[tuple[int, int]]:
    """Reactor-thread work the script recorded (callFromThread calls, blockingCallFromThread functions, callbacks)
    that ran back to back, without the reactor getting back to its loop in between, for longer than STALL_NS."""
    busy: list[tuple[int, int]] = []
    for j in jobs:
        if j.on_reactor and j.started is not None and j.ended is not None:
            busy.append((j.started, j.ended))
        if j.callback is not None:
            busy.append((j.callback, j.callback + j.callback_dur))
    busy.sort()
    stalls: list[tuple[int, int]] = []
    start = end = None
    for a, b in busy + [(None, None)]:
        if a is not None and start is not None and a - end <= STALL_GAP_NS:
            end = max(end, b)
            continue
        if start is not None and end - start > STALL_NS:
            stalls.append((start, end))
        start, end = a, b
    return stalls


@dataclass
class Run:
    """What the trace is written from: a consistent copy of the records."""
    scenario: Scenario
    twisted_version: str
    pool_name: str
    initial_min: int
    initial_max: int
    origin: int
    latest: int
    jobs: list[JobRecord]
    lanes: list[Lane]
    resizes: list[ResizeRecord]
    timed_out: bool
    timeout_s: float


def build_trace(run: Run) -> list[dict]:
    base = run.origin
    times = [t for j in run.jobs for t in (j.queued, j.started, j.ended) if t is not None]
    times += [j.callback + j.callback_dur for j in run.jobs if j.callback is not None]
    times += [j.blocked + (j.blocked_dur or 0) for j in run.jobs if j.blocked is not None]
    times += [r.time for r in run.resizes] + [lane.created for lane in run.lanes]
    times += [lane.retired for lane in run.lanes if lane.retired is not None]
    earliest = min(times) if times else None
    latest = max(times + [run.latest]) if times else run.latest

    def rel(t: int) -> int:
        return t - base

    header_qtw: dict[str, Any] = {
        "type": "trace", "format": TRACE_FORMAT, "base_ns": str(base), "origin_ns": str(run.origin),
    }
    if earliest is not None:
        header_qtw["earliest_ns"] = rel(earliest)
        header_qtw["latest_ns"] = rel(latest)
    header_qtw.update({
        "dropped": "0", "jobs": len(run.jobs), "lanes": len(run.lanes),
        "pools": [{"name": run.pool_name, "min": run.initial_min, "max": run.initial_max}],
        # Not read by Thread Lab's importer (it takes the keys above): what a reader needs to tell this run apart.
        "source": "twisted", "twisted_version": run.twisted_version, "scenario": run.scenario.name,
        "timed_out": run.timed_out,
    })
    process = f"Twisted {run.twisted_version} trace"
    if run.timed_out:
        process += f" (timed out after {run.timeout_s:g} s)"
    events: list[dict] = [{"ph": "M", "name": "process_name", "pid": PID, "tid": REACTOR_TID, "ts": 0,
                           "args": {"name": process, "qtw": header_qtw}}]

    slices: list[tuple[int, int, int, dict]] = []  # (base tid, start ns, dur ns, event without pid/tid/ts/dur)
    used_submit: set[int] = set()
    no_worker = False
    for job in run.jobs:
        title = f"#{job.id} {job.label}" if job.label else f"#{job.id}"
        pieces: list[tuple[int, int, int, str, str]] = []
        if job.queued is not None:
            tid = REACTOR_SUBMIT_TID if job.on_reactor else POOL_SUBMIT_TID
            used_submit.add(tid)
            pieces.append((tid, rel(job.queued), 0, f"{job.api} {title}", "submit"))
        if job.started is not None:
            end = job.ended if job.ended is not None else max(job.started, latest)
            if job.on_reactor:
                tid = REACTOR_TID
            elif job.lane is not None:
                tid = LANE_TID_BASE + job.lane
            else:
                tid = NO_WORKER_TID
                no_worker = True
            pieces.append((tid, rel(job.started), max(0, end - job.started), title,
                           "reactor call" if job.on_reactor else "job"))
        if job.callback is not None:
            pieces.append((REACTOR_TID, rel(job.callback), job.callback_dur, f"callback {title}", "callback"))
        args: dict[str, Any] = {"job": job.id, "api": job.api, "label": job.label, "status": job.status,
                                "pool": run.pool_name}
        if job.queued is not None and job.started is not None:
            args["wait_ns"] = job.started - job.queued
        record: dict[str, Any] = {"type": "job", "row": job.row, "id": str(job.id), "pool": run.pool_name,
                                  "api": job.api, "label": job.label, "status": job.status, "worker": job.worker}
        for key, t in (("queued_ns", job.queued), ("started_ns", job.started), ("ended_ns", job.ended)):
            if t is not None:
                record[key] = rel(t)
        if job.callback is not None:
            record["callback_ns"] = rel(job.callback)
            record["callback_dur_ns"] = job.callback_dur
        if job.blocked is not None:
            record["blocked_ns"] = rel(job.blocked)
            # A caller still waiting when the run timed out: its wait so far.
            record["blocked_dur_ns"] = job.blocked_dur if job.blocked_dur is not None else latest - job.blocked
        linked = [i > 0 and pieces[i][1] >= pieces[0][1] for i in range(len(pieces))]
        last_linked = max((i for i, ok in enumerate(linked) if ok), default=-1)
        for i, (tid, start, dur, name, cat) in enumerate(pieces):
            ev: dict[str, Any] = {"ph": "X", "name": name, "cat": cat}
            if last_linked > 0 and (i == 0 or linked[i]):
                ev["bind_id"] = f"0x{job.row + 1:x}"
                if i > 0:
                    ev["flow_in"] = True
                if i == 0 or i != last_linked:
                    ev["flow_out"] = True
            ev["args"] = dict(args, qtw=record) if i == 0 else dict(args)
            slices.append((tid, start, dur, ev))

    for start, end in reactor_stalls(run.jobs):
        slices.append((STALL_TID, rel(start), end - start,
                       {"ph": "X", "name": "reactor stall", "cat": "stall",
                        "args": {"qtw": {"type": "stall", "start_ns": rel(start), "dur_ns": end - start}}}))

    # Slices of one thread must nest: one that would overlap another partially goes to an extra track.
    slices.sort(key=lambda s: (s[0], s[1] / 1000.0, -(s[2] / 1000.0)))
    overflow: dict[tuple[int, int], int] = {}
    placed: list[dict] = []
    stacks: list[list[float]] = []
    current = None
    for tid, start, dur, ev in slices:
        if tid != current:
            current, stacks = tid, []
        a, b = start / 1000.0, start / 1000.0 + dur / 1000.0
        track = 0
        while track < len(stacks):
            stack = stacks[track]
            while stack and a >= stack[-1]:
                stack.pop()
            if not stack or b <= stack[-1]:
                break
            track += 1
        if track == len(stacks):
            stacks.append([])
        stacks[track].append(b)
        out_tid = tid
        if track > 0:
            out_tid = overflow.setdefault((tid, track), OVERFLOW_TID_BASE + len(overflow))
        placed.append(dict(ev, pid=PID, tid=out_tid, ts=micros(start), dur=micros(dur)))

    def thread_name(tid: int, name: str, sort_index: int, qtw: Optional[dict] = None) -> None:
        args: dict[str, Any] = {"name": name}
        if qtw is not None:
            args["qtw"] = qtw
        events.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": tid, "ts": 0, "args": args})
        events.append({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": tid, "ts": 0,
                       "args": {"sort_index": sort_index}})

    base_names = {REACTOR_TID: "reactor (MainThread)", STALL_TID: "reactor stalls",
                  NO_WORKER_TID: "jobs on an unknown worker",
                  REACTOR_SUBMIT_TID: "calls submitted to the reactor",
                  POOL_SUBMIT_TID: f"submitted to {run.pool_name}"}
    thread_name(REACTOR_TID, base_names[REACTOR_TID], 0)
    thread_name(STALL_TID, base_names[STALL_TID], 1)
    if no_worker:
        thread_name(NO_WORKER_TID, base_names[NO_WORKER_TID], 2)
    for tid in sorted(used_submit):
        thread_name(tid, base_names[tid], tid)
    for lane in run.lanes:
        qtw: dict[str, Any] = {"type": "lane", "lane": lane.index, "pool": run.pool_name, "worker": lane.index,
                               "created_ns": rel(lane.created)}
        if lane.retired is not None:
            qtw["retired_ns"] = rel(lane.retired)
        base_names[LANE_TID_BASE + lane.index] = lane.name
        thread_name(LANE_TID_BASE + lane.index, lane.name, LANE_TID_BASE + lane.index, qtw)
    for (tid, track), out_tid in sorted(overflow.items()):
        thread_name(out_tid, f"{base_names.get(tid, tid)} (overlapping {track})", tid * 100 + track)
    events.extend(placed)

    backlog, busy = pool_series(run.jobs)
    max_changes: list[tuple[int, int]] = []
    value = run.initial_max
    for r in sorted(run.resizes, key=lambda r: r.time):
        if r.new_max != value:
            max_changes.append((r.time, r.new_max - value))
            value = r.new_max
    for what, points, initial in (("backlog", backlog, 0), ("busy", busy, 0),
                                  ("max", step_series(max_changes, run.initial_max), run.initial_max)):
        name = f"{what} {run.pool_name}"
        for t, v in [(base, initial)] + points:
            events.append({"ph": "C", "name": name, "pid": PID, "tid": REACTOR_TID, "ts": micros(rel(t)),
                           "cat": "pool", "args": {name: v}})

    for r in run.resizes:
        name = f"{run.pool_name}: max {r.old_max} \u2192 {r.new_max}"
        if r.old_min != r.new_min:
            name += f", min {r.old_min} \u2192 {r.new_min}"
        events.append({"ph": "i", "name": name, "pid": PID, "tid": REACTOR_TID, "ts": micros(rel(r.time)),
                       "s": "g", "cat": "pool",
                       "args": {"by": r.by, "qtw": {"type": "resize", "time_ns": rel(r.time), "pool": run.pool_name,
                                                    "old_min": r.old_min, "old_max": r.old_max,
                                                    "new_min": r.new_min, "new_max": r.new_max, "by": r.by}}})
    if run.timed_out:
        events.append({"ph": "i", "name": f"timed out after {run.timeout_s:g} s: Twisted did not finish", "pid": PID,
                       "tid": REACTOR_TID, "ts": micros(rel(latest)), "s": "g", "cat": "twisted-scenario",
                       "args": {"message": f"{PROG} gave up after {run.timeout_s:g} s; the run had not finished"}})
    return events


def write_trace(path: str, events: list[dict]) -> None:
    """Writes the trace to a temporary file beside `path`, then renames it over `path`."""
    body = ",\n".join(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) for ev in events)
    text = '{"displayTimeUnit":"ms","traceEvents":[\n' + body + "\n]}\n"
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.absolute().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


# ---- playing the scenario on Twisted ------------------------------------------------------------------------------

class Player:
    """Plays a scenario on Twisted's global reactor as qtwisted's ScenarioRunner plays it on a qtwisted Reactor."""

    def __init__(self, scenario: Scenario, twisted: Any, timeout_s: float, trace_path: Optional[str]) -> None:
        self.scenario = scenario
        self.tw = twisted
        self.reactor = twisted.reactor
        self.timeout_s = timeout_s
        self.trace_path = trace_path
        self.random = QtRandom(scenario.seed)
        self.out_lock = threading.Lock()
        self.pool = self.reactor.getThreadPool()
        self.rec = Recorder(self.pool.name)
        self.rec.initial_min, self.rec.initial_max = self.pool.min, self.pool.max
        self.pool.threadFactory = self._thread_factory
        self.total = scenario.job_count()
        self.submitted = 0
        self.done = 0
        self.job_number = 0
        self.next_step = 0
        self.t0 = 0.0
        self.script_done = False
        self.waiting_idle = False
        self.finished = False
        self.stopping = False
        self.last_percent = -1
        self.clock = time.monotonic()
        self.exit_lock = threading.Lock()
        self.ended = threading.Event()

    # -- output --

    def say(self, text: str, thread: Optional[str] = None) -> None:
        """A line printed by the calling thread (or on behalf of `thread`), as thread-lab --headless prints it."""
        if not text:
            return
        with self.out_lock:
            sys.stdout.write(f"{thread or threading.current_thread().name}: {text}\n")
            sys.stdout.flush()

    def _log_observer(self, event: dict) -> None:
        # What Twisted logs of a failed callInThread / callMultipleInThread / callFromThread (log.err), in one line.
        failure = event.get("log_failure")
        if failure is None:
            return
        self.say(f"Unhandled Error logged by Twisted: {failure.type.__name__}: {failure.getErrorMessage()}")

    # -- the pool's threads: one lane each, under the name Twisted gives it --

    def _thread_factory(self, *args: Any, **kwargs: Any) -> threading.Thread:
        target = kwargs.pop("target")
        lane = self.rec.new_lane(kwargs.get("name") or "PoolThread")

        def run() -> None:
            try:
                target()
            finally:
                self.rec.retired(lane)

        thread = threading.Thread(*args, target=run, **kwargs)
        self.rec.bind(thread, lane)
        return thread

    # -- the script --

    def start(self) -> None:
        from twisted.logger import globalLogBeginner
        globalLogBeginner.beginLoggingTo([self._log_observer], redirectStandardIO=False)
        if self.scenario.pool is not None:
            self.apply_size(self.scenario.pool, -1)
        self.reactor.callWhenRunning(self.begin)
        if self.timeout_s > 0:
            threading.Thread(target=self._watchdog, name="twisted-scenario watchdog", daemon=True).start()

    def begin(self) -> None:
        self.t0 = time.monotonic()
        self.progress()
        self.advance()

    def advance(self) -> None:
        while not self.finished and not self.script_done:
            if self.next_step >= len(self.scenario.steps):
                self.script_done = True
                break
            step = self.scenario.steps[self.next_step]
            due = self.t0 + step.at_ms / 1000.0
            now = time.monotonic()
            if due > now:
                self.reactor.callLater(due - now, self.advance)
                return
            self.next_step += 1
            action = step.action
            if isinstance(action, Queue):
                for _ in range(action.count):
                    self.submit(action)
            elif isinstance(action, Resize):
                self.apply_size(action, self.next_step - 1)
            elif isinstance(action, Pause):
                self.reactor.callLater(action.ms / 1000.0, self.advance)
                return
            elif isinstance(action, WaitIdle):
                if self.done < self.submitted:
                    self.waiting_idle = True
                    return
            else:
                self.script_done = True
                self.stop_reactor()
        self.maybe_finish()

    def apply_size(self, size: Resize, step_index: int) -> None:
        by = (f"scenario {self.scenario.name}: pool" if step_index < 0
              else f"scenario {self.scenario.name}: step {step_index}")
        old = (self.pool.min, self.pool.max)
        at = now_ns()
        try:
            if size.min is not None and size.max is not None:
                self.pool.adjustPoolsize(size.min, size.max)
            elif size.max is not None:
                self.reactor.suggestThreadPoolSize(size.max)
            else:
                self.pool.adjustPoolsize(size.min, max(size.min, self.pool.max))
        except Exception as e:  # Twisted asserts min <= max: suggestThreadPoolSize below the minimum is refused
            self.say(f"resize refused: {type(e).__name__}: {e}")
            return
        self.rec.resized(at, old, (self.pool.min, self.pool.max), by)

    def submit(self, queue: Queue) -> None:
        self.job_number += 1
        plan = draw(self.random, queue, self.job_number)
        self.submitted += 1
        submit = {"callInThread": self.call_in_thread, "deferToThread": self.defer_to_thread,
                  "callMultipleInThread": self.call_multiple_in_thread,
                  "blockingCallFromThread": self.blocking_call_from_thread,
                  "callFromThread": self.call_from_thread}[queue.api]
        try:
            submit(plan)
        except Exception as e:
            self.say(f"job #{plan.number} refused: {type(e).__name__}: {e}")
            self.job_ended()

    def job_ended_from_thread(self) -> None:
        self.reactor.callFromThread(self.job_ended)

    def job_ended(self) -> None:
        self.done += 1
        self.progress()
        if self.waiting_idle and self.done >= self.submitted:
            self.waiting_idle = False
            self.advance()
            return
        self.maybe_finish()

    def progress(self) -> None:
        percent = self.done * 100 // self.total if self.total else 100
        if percent // 10 == self.last_percent // 10 and self.done != self.total:
            return
        self.last_percent = percent
        with self.out_lock:
            print(f"{self.scenario.name}: {self.done}/{self.total} jobs ended ({percent} %), "
                  f"{time.monotonic() - self.clock:.1f} s", flush=True)

    def maybe_finish(self) -> None:
        if self.script_done and self.done >= self.submitted and not self.finished:
            self.finished = True
            self.stop_reactor()

    def stop_reactor(self) -> None:
        """The scenario's stop step, or its end: Twisted's shutdown stops the pool (joining its threads)."""
        if not self.stopping:
            self.stopping = True
            self.reactor.stop()

    # -- one submission per API, each the shape of the howto's example --

    def call_in_thread(self, plan: JobPlan) -> None:
        job = self.rec.new_job("callInThread", plan.label)
        call = plan.calls[0]

        def work() -> None:
            self.rec.started(job)
            try:
                time.sleep(call.sleep_ms / 1000.0)
                if call.fail:
                    self.rec.ended(job, False)
                    raise simulated_failure(plan)  # the pool logs it (log.err)
                self.say(call.print)
                self.rec.ended(job, True)
            finally:
                self.job_ended_from_thread()

        self.reactor.callInThread(work)

    def defer_to_thread(self, plan: JobPlan) -> None:
        job = self.rec.new_job("deferToThread", plan.label)
        call = plan.calls[0]

        def work() -> str:
            self.rec.started(job)
            time.sleep(call.sleep_ms / 1000.0)
            if call.fail:
                self.rec.ended(job, False)
                raise simulated_failure(plan)
            self.rec.ended(job, True)
            return call.print

        def printed(result: str) -> None:  # the callback, in the reactor thread
            start = now_ns()
            self.say(result)
            self.rec.callback(job, start)
            self.job_ended()

        def failed(failure: Any) -> None:  # the errback, in the reactor thread
            start = now_ns()
            self.say(f"Failure: {failure.type.__name__}: {failure.getErrorMessage()}")
            self.rec.callback(job, start)
            self.job_ended()

        self.tw.threads.deferToThread(work).addCallbacks(printed, failed)

    def call_multiple_in_thread(self, plan: JobPlan) -> None:
        job = self.rec.new_job("callMultipleInThread", plan.label)
        last = len(plan.calls) - 1

        def make(index: int, call: CallPlan) -> Callable[[], None]:
            def one() -> None:
                if index == 0:
                    self.rec.started(job)
                time.sleep(call.sleep_ms / 1000.0)
                if call.fail:  # the first failure stops the rest; the pool logs it
                    self.rec.ended(job, False)
                    self.job_ended_from_thread()
                    raise simulated_failure(plan)
                self.say(call.print)
                if index == last:
                    self.rec.ended(job, True)
                    self.job_ended_from_thread()
            return one

        self.tw.threads.callMultipleInThread([(make(i, c), (), {}) for i, c in enumerate(plan.calls)])

    def blocking_call_from_thread(self, plan: JobPlan) -> None:
        outer = self.rec.new_job("callInThread", plan.label)
        call = plan.calls[0]
        defer, threads, reactor = self.tw.defer, self.tw.threads, self.reactor

        def get_page(waited: JobRecord) -> Any:  # runs in the reactor thread
            self.rec.started(waited)
            try:
                if plan.returns == "deferToThread":
                    # Twisted #5298 / crochet #70: the work goes back to the pool whose worker waits for it.
                    inner = self.rec.new_job("deferToThread", plan.label + " (deferToThread)")

                    def inner_work() -> str:
                        self.rec.started(inner)
                        time.sleep(call.sleep_ms / 1000.0)
                        if call.fail:
                            self.rec.ended(inner, False)
                            raise simulated_failure(plan)
                        self.rec.ended(inner, True)
                        return call.print

                    def delivered(result: Any) -> Any:  # its result reaches the reactor thread
                        self.rec.callback(inner, now_ns())
                        return result

                    return threads.deferToThread(inner_work).addBoth(delivered)
                page = defer.Deferred()

                def fire() -> None:
                    if call.fail:
                        page.errback(simulated_failure(plan))
                    else:
                        page.callback(call.print)

                reactor.callLater(call.sleep_ms / 1000.0, fire)
                return page
            finally:
                self.rec.ended(waited, True)

        def work() -> None:  # in a pool thread, as the howto's inThread()
            self.rec.started(outer)
            try:
                waited = self.rec.new_job("blockingCallFromThread", plan.label)
                self.rec.blocking(waited)
                try:
                    line = threads.blockingCallFromThread(reactor, get_page, waited)
                except Exception as e:
                    line = str(e)  # the howto prints the exception
                finally:
                    self.rec.unblocked(waited)
                self.say(line)
                self.rec.ended(outer, True)
            finally:
                self.job_ended_from_thread()

        reactor.callInThread(work)

    def call_from_thread(self, plan: JobPlan) -> None:
        job = self.rec.new_job("callFromThread", plan.label)
        call = plan.calls[0]

        def work() -> None:  # in the reactor thread: sleeping here stalls the reactor (the lesson)
            self.rec.started(job)
            try:
                time.sleep(call.sleep_ms / 1000.0)
                if call.fail:
                    self.rec.ended(job, False)
                    raise simulated_failure(plan)  # the reactor logs it
                self.say(call.print)
                self.rec.ended(job, True)
            finally:
                self.job_ended()

        self.reactor.callFromThread(work)

    # -- the end --

    def snapshot(self, timed_out: bool) -> Run:
        import copy
        with self.rec.lock:
            return Run(self.scenario, self.tw.version, self.rec.pool_name, self.rec.initial_min,
                       self.rec.initial_max, self.rec.origin, now_ns(), copy.deepcopy(self.rec.jobs),
                       copy.deepcopy(self.rec.lanes), list(self.rec.resizes), timed_out, self.timeout_s)

    def report(self, run: Run) -> int:
        """Writes the trace and prints the summary; the exit status (so far)."""
        status = EXIT_OK
        if self.trace_path:
            try:
                write_trace(self.trace_path, build_trace(run))
            except OSError as e:
                print(f"{PROG}: could not write {self.trace_path}: {e.strerror or e}", file=sys.stderr, flush=True)
                status = EXIT_TRACE_NOT_WRITTEN
        s = summarize(run.jobs, run.lanes, run.latest)
        reactor_calls = sum(1 for j in run.jobs if j.on_reactor)
        state = "TIMED OUT" if run.timed_out else "finished"
        with self.out_lock:
            print(f"summary: {run.scenario.name} on Twisted {run.twisted_version}: {state} after "
                  f"{time.monotonic() - self.clock:.1f} s\n"
                  f"  jobs          {s.jobs} pool jobs ended ({s.failed} failed), {reactor_calls} reactor calls\n"
                  f"  makespan      {ms(s.makespan_ns)}\n"
                  f"  wait p50/p95  {ms(s.wait_p50)} / {ms(s.wait_p95)}\n"
                  f"  run p50/p95   {ms(s.run_p50)} / {ms(s.run_p95)}\n"
                  f"  busy          {s.busy_percent:.1f} % ({s.lanes} worker threads)\n"
                  f"  peak backlog  {s.peak_backlog}", flush=True)
            if run.timed_out:
                running, queued, blocked = unfinished(run.jobs)
                print(f"  not ended     {running} pool jobs running ({blocked} waiting in blockingCallFromThread), "
                      f"{queued} queued", flush=True)
            if self.trace_path and status == EXIT_OK:
                print(f"trace: {self.trace_path}" + (" (marked as timed out)" if run.timed_out else ""),
                      flush=True)
        return status

    def _watchdog(self) -> None:
        if self.ended.wait(self.timeout_s):
            return
        with self.exit_lock:
            if self.ended.is_set():
                return
            run = self.snapshot(timed_out=True)
            running, queued, blocked = unfinished(run.jobs)
            waiting = f" ({blocked} of them waiting in blockingCallFromThread)" if blocked else ""
            print(f"{PROG}: TIMED OUT: {self.scenario.name} did not finish within {self.timeout_s:g} s on Twisted "
                  f"{run.twisted_version}: {self.done} of {self.total} jobs ended; in the pool, {running} jobs are "
                  f"running{waiting} and {queued} are queued behind them. Gave up (exit status {EXIT_TIMED_OUT})"
                  + (f"; the trace so far is in {self.trace_path}, marked as timed out." if self.trace_path
                     else "."), file=sys.stderr, flush=True)
            self.report(run)
            sys.stdout.flush()
            sys.stderr.flush()
            # The pool's threads never return and reactor.stop() would join them: leave at once.
            os._exit(EXIT_TIMED_OUT)

    def run(self) -> int:
        self.start()
        self.reactor.run()
        with self.exit_lock:
            self.ended.set()
        run = self.snapshot(timed_out=False)
        return self.report(run)


@dataclass
class TwistedModules:
    reactor: Any
    threads: Any
    defer: Any
    version: str


def import_twisted() -> TwistedModules:
    try:
        import twisted
        from twisted.internet import defer, reactor, threads
    except ImportError as e:
        fail(f"Twisted cannot be imported ({e}) with {sys.executable}: nothing was run. On Debian: sudo apt-get "
             "install python3-twisted, then run this script with /usr/bin/python3", EXIT_NO_TWISTED)
    return TwistedModules(reactor, threads, defer, twisted.__version__)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the name of a built-in scenario")
    parser.add_argument("--export-trace", metavar="OUT.json", help="write the run as a Thread Lab trace")
    parser.add_argument("--timeout", metavar="SECONDS", type=float, default=None,
                        help="give up after this long (exit status 4); 0: never. Default: the scenario's scripted "
                             f"time (its last step's at plus its pauses) + {DEFAULT_MARGIN_S:g} s")
    args = parser.parse_args(argv)
    if args.timeout is not None and not 0 <= args.timeout <= 86400 * 7:
        fail("--timeout must be a number of seconds in 0..604800 (0: never)", EXIT_NOTHING_RUN)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as e:
        fail(f"{e} (nothing was run)", EXIT_NOTHING_RUN)
    if args.export_trace is not None:
        problem = output_problem(args.export_trace)
        if problem:
            fail(f"--export-trace: {problem} (nothing was run)", EXIT_NOTHING_RUN)
    tw = import_twisted()
    timeout = args.timeout if args.timeout is not None else scenario.scripted_ms() / 1000.0 + DEFAULT_MARGIN_S
    print(f"{PROG}: playing {scenario.name} on Twisted {tw.version} ({type(tw.reactor).__name__}, Python "
          f"{sys.version.split()[0]}); " + (f"timeout {timeout:g} s" if timeout > 0 else "no timeout"), flush=True)
    return Player(scenario, tw, timeout, args.export_trace).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
