# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""CTest driver for scripts/twisted-scenario.py: plays scenarios on real Twisted and checks what a user sees.

    python3 twisted_scenario_test.py --script S --check-trace C [--thread-lab T] CASE

CASE is one of:
  play:NAME  a built-in scenario: exit 0, what it prints, its trace (check-trace.py, Thread Lab's importer, contents)
  resize     a short lesson-resize-under-load: suggestThreadPoolSize starts no thread for the backlog, a raised
             minimum (adjustPoolsize) does
  timeout    a short lesson-blocking-exhaustion: Twisted deadlocks, the script gives up (exit 4), the trace is kept
  errors     unknown scenario, invalid scenario file, unwritable --export-trace, bad --timeout, missing Twisted

Exit status: 0 passed, 1 failed, 77 skipped (python3-twisted is not installed; the "errors" case never skips).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Optional

SKIP = 77
POOL = "twisted.internet.reactor"
LANE_PREFIX = f"PoolThread-{POOL}-"


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"ok: {what}")


class Case:
    def __init__(self, script: str, check_trace: str, thread_lab: Optional[str], work: Path) -> None:
        self.script = script
        self.check_trace = check_trace
        self.thread_lab = thread_lab
        self.work = work

    def run(self, *args: str, python_flags: tuple[str, ...] = ()) -> tuple[int, str, str, float]:
        command = [sys.executable, *python_flags, self.script, *args]
        print("$", " ".join(command), flush=True)
        start = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        elapsed = time.monotonic() - start
        for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
            if text.strip():
                lines = text.rstrip("\n").split("\n")
                shown = lines if len(lines) <= 30 else lines[:12] + ["..."] + lines[-12:]
                print(f"  [{name}]\n    " + "\n    ".join(shown))
        print(f"  [exit {done.returncode} after {elapsed:.2f} s]", flush=True)
        return done.returncode, done.stdout, done.stderr, elapsed

    def scenario_file(self, name: str, scenario: dict) -> str:
        path = self.work / f"{name}.json"
        path.write_text(json.dumps(scenario, indent=1), encoding="utf-8")
        return str(path)

    def valid_trace(self, path: str, pool_jobs: int) -> dict:
        """check-trace.py passes; Thread Lab's importer reads it (thread-lab --compare of the trace with itself)."""
        done = subprocess.run([sys.executable, self.check_trace, path], capture_output=True, text=True)
        print("  " + done.stdout.strip().replace("\n", "\n  "))
        check(done.returncode == 0 and " 0 errors" in done.stdout, "check-trace.py accepts the trace")
        if self.thread_lab:
            done = subprocess.run([self.thread_lab, "--compare", path, path], capture_output=True, text=True,
                                  timeout=60)
            print("  " + (done.stdout + done.stderr).strip().replace("\n", "\n  "))
            check(done.returncode == 0, "thread-lab --compare imports the trace")
            jobs_row = next((line.split() for line in done.stdout.splitlines() if line.startswith("jobs ")), [])
            check(jobs_row[1:3] == [str(pool_jobs)] * 2, f"thread-lab counts {pool_jobs} ended pool jobs in it")
        else:
            print("NOTE: thread-lab is not built here (QTWISTED_BUILD_APP=OFF): the importer check is left out")
        with open(path, encoding="utf-8") as f:
            return json.load(f)


class Trace:
    """The qtw records of a trace."""

    def __init__(self, doc: dict) -> None:
        self.events = doc["traceEvents"]
        self.header: dict = {}
        self.process = ""
        self.jobs: list[dict] = []
        self.lanes: dict[int, str] = {}
        self.stalls: list[dict] = []
        self.resizes: list[dict] = []
        for ev in self.events:
            qtw = ev.get("args", {}).get("qtw")
            if not qtw:
                continue
            kind = qtw["type"]
            if kind == "trace":
                self.header, self.process = qtw, ev["args"]["name"]
            elif kind == "job":
                self.jobs.append(qtw)
            elif kind == "lane":
                self.lanes[qtw["worker"]] = ev["args"]["name"]
            elif kind == "stall":
                self.stalls.append(qtw)
            elif kind == "resize":
                self.resizes.append(qtw)
        self.jobs.sort(key=lambda j: j["row"])

    def api(self, api: str) -> list[dict]:
        return [j for j in self.jobs if j["api"] == api]

    def pool_jobs(self) -> list[dict]:
        return [j for j in self.jobs if j["api"] not in ("callFromThread", "blockingCallFromThread")]

    def from_twisted(self, timed_out: bool = False) -> None:
        check(self.header.get("source") == "twisted" and self.process.startswith("Twisted "),
              f'the trace says it comes from Twisted (process "{self.process}")')
        check(self.header.get("timed_out") is timed_out, f"the trace is {'' if timed_out else 'not '}marked timed out")
        names = sorted(self.lanes.values(), key=lambda n: (len(n), n))
        shown = ", ".join(names if len(names) <= 4 else names[:2] + ["...", names[-1]])
        check(all(name.startswith(LANE_PREFIX) for name in names),
              f"each of the {len(names)} lanes is a Twisted worker thread named {LANE_PREFIX}N ({shown})")


def max_concurrent(jobs: list[dict]) -> int:
    edges = sorted([(j["started_ns"], 1) for j in jobs if "started_ns" in j]
                   + [(j["ended_ns"], -1) for j in jobs if "ended_ns" in j])
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


def makespan_ms(jobs: list[dict]) -> float:
    return (max(j["ended_ns"] for j in jobs) - min(j["queued_ns"] for j in jobs)) / 1e6


# ---- the cases ----------------------------------------------------------------------------------------------------

def play_howto_blocking(c: Case, t: Trace, stdout: str) -> None:
    check(f"{LANE_PREFIX}0: <html>the page at http://twistedmatrix.com/</html>" in stdout,
          "the pool thread prints the page, as the howto's inThread()")
    [outer] = t.api("callInThread")
    [call] = t.api("blockingCallFromThread")
    check(outer["status"] == "finished" and outer["worker"] in t.lanes, "the caller ran on a pool thread")
    check(call["worker"] == -1 and call["status"] == "finished", "getPage ran in the reactor thread")
    check(call["blocked_dur_ns"] >= 450e6,
          f"the caller waited for the 500 ms page ({call['blocked_dur_ns'] / 1e6:.0f} ms)")


# The seed draws the same jobs as qtwisted's QRandomGenerator(42): these fail, and their durations are the labels.
DEFERRED_FAILURES = [3, 6, 14, 19, 24, 25, 28, 31, 32, 35, 38, 39]
DEFERRED_LABELS = {1: "sleep 526 ms", 2: "sleep 536 ms", 3: "sleep 133 ms", 5: "sleep 767 ms", 8: "sleep 288 ms"}


def play_deferred_failures(c: Case, t: Trace, stdout: str) -> None:
    jobs = t.api("deferToThread")
    check(len(jobs) == 40, "40 deferToThread jobs")
    failed = sorted(int(j["id"]) for j in jobs if j["status"] == "failed")
    check(failed == DEFERRED_FAILURES, f"the seeded failures are qtwisted's ({failed})")
    labels = {int(j["id"]): j["label"] for j in jobs}
    check(all(labels[k] == v for k, v in DEFERRED_LABELS.items()), "the seeded durations are qtwisted's")
    check(all((j["ended_ns"] - j["started_ns"]) / 1e6 >= int(j["label"].split()[1]) - 1 for j in jobs),
          "each job ran as long as its label says")
    check(all("callback_ns" in j for j in jobs), "every result or failure reached a callback in the reactor thread")
    lines = [f"MainThread: Failure: RuntimeError: job #{n} failed (simulated, failureRate 0.25)"
             for n in DEFERRED_FAILURES]
    check(all(line in stdout for line in lines), "the errbacks print each failure in the reactor thread")


def play_reactor_stall(c: Case, t: Trace, stdout: str) -> None:
    calls = t.api("callFromThread")
    check(len(calls) == 5 and all(j["worker"] == -1 for j in calls), "5 callFromThread calls ran on the reactor")
    check(all(b["started_ns"] >= a["ended_ns"] for a, b in zip(calls, calls[1:])), "one after the other")
    # The five calls run in one reactor iteration; on a loaded machine the thread can be preempted between two of
    # them for more than the script's 1 ms gap, which records the second as a new stall ([801, 200] ms in a CI lane
    # running suites in parallel): what they add up to is the second the reactor was away.
    stalled = [round(s["dur_ns"] / 1e6) for s in t.stalls]
    check(sum(stalled) >= 950 and all(ms >= 100 for ms in stalled),
          f"a reactor stall of about a second is recorded ({stalled} ms)")
    pool = t.api("callInThread")
    check(len({j["worker"] for j in pool}) == 8, "the 8 pool jobs ran side by side on 8 Twisted threads")


PLAY_CHECKS = {
    "howto-blockingCallFromThread": (1, play_howto_blocking),
    "lesson-deferred-failures": (40, play_deferred_failures),
    "lesson-reactor-stall": (8, play_reactor_stall),
}


def case_play(c: Case, name: str) -> None:
    if name not in PLAY_CHECKS:
        raise Failed(f"no checks written for {name} (known: {', '.join(PLAY_CHECKS)})")
    pool_jobs, more = PLAY_CHECKS[name]
    out = str(c.work / f"{name}.json")
    code, stdout, stderr, _ = c.run(name, "--export-trace", out)
    check(code == 0, f"{name} plays to its end on Twisted (exit 0)")
    check("summary: " in stdout and "makespan" in stdout and "peak backlog" in stdout, "a summary is printed")
    t = Trace(c.valid_trace(out, pool_jobs))
    t.from_twisted()
    more(c, t, stdout)


def resize_scenario(resize: dict) -> dict:
    return {"name": "resize-short", "description": "lesson-resize-under-load, shorter: 12 jobs of 100 ms on 2 threads",
            "pool": {"min": 0, "max": 2},
            "steps": [{"at": 0, "queue": {"api": "callInThread", "count": 12, "sleepMs": 100}},
                      {"at": 150, "resize": resize},
                      {"at": 150, "waitIdle": {}}]}


def case_resize(c: Case) -> None:
    # suggestThreadPoolSize(8): Twisted raises the limit but starts no thread; the backlog stays on the 2 it has.
    out = str(c.work / "suggest.json")
    code, _, _, _ = c.run(c.scenario_file("suggest", resize_scenario({"max": 8})), "--export-trace", out)
    check(code == 0, "the short resize-under-load plays (exit 0)")
    t = Trace(c.valid_trace(out, 12))
    t.from_twisted()
    [_, step] = t.resizes
    check((step["old_max"], step["new_max"]) == (2, 8) and step["time_ns"] >= 140e6,
          "the maximum went from 2 to 8 at about 150 ms")
    jobs = t.pool_jobs()
    after = [j for j in jobs if j["started_ns"] > step["time_ns"]]
    check(len(t.lanes) == 2, f"suggestThreadPoolSize(8) started no thread: 2 lanes, not 8 ({len(t.lanes)})")
    # 8 of the 12 start after 150 ms when the resize is on time; a busy machine may run it later.
    check(len(after) >= 4 and max_concurrent(jobs) == 2,
          f"the {len(after)} jobs that started after the resize still ran two at a time")
    check(makespan_ms(jobs) >= 550, f"so the backlog drained in 6 rounds of 100 ms ({makespan_ms(jobs):.0f} ms)")

    # adjustPoolsize(8, 8): a raised minimum makes Twisted grow the pool, and the new threads take the backlog.
    out = str(c.work / "adjust.json")
    code, _, _, _ = c.run(c.scenario_file("adjust", resize_scenario({"min": 8, "max": 8})), "--export-trace", out)
    check(code == 0, "the same with a raised minimum plays (exit 0)")
    t = Trace(c.valid_trace(out, 12))
    jobs = t.pool_jobs()
    check(len(t.lanes) == 8, f"adjustPoolsize(8, 8) grew the pool to 8 threads ({len(t.lanes)} lanes)")
    check(max_concurrent(jobs) > 2 and makespan_ms(jobs) < 500,
          f"which took the backlog: up to {max_concurrent(jobs)} at once, {makespan_ms(jobs):.0f} ms")


def case_timeout(c: Case) -> None:
    scenario = {"name": "exhaustion-short", "description": "lesson-blocking-exhaustion on a pool of 2",
                "pool": {"min": 0, "max": 2},
                "steps": [{"at": 0, "queue": {"api": "blockingCallFromThread", "count": 2, "sleepMs": 100,
                                              "returns": "deferToThread", "label": "outer {job}"}},
                          {"at": 20, "queue": {"api": "callInThread", "count": 2, "sleepMs": 50}},
                          {"at": 20, "waitIdle": {}}]}
    out = str(c.work / "exhaustion.json")
    code, stdout, stderr, elapsed = c.run(c.scenario_file("exhaustion-short", scenario), "--export-trace", out,
                                          "--timeout", "2")
    check(code == 4, "Twisted deadlocks: the script gives up with exit status 4")
    check(2 <= elapsed < 15, f"after the 2 s timeout ({elapsed:.1f} s)")
    check("TIMED OUT" in stderr and "did not finish within 2 s" in stderr, "and says so on stderr")
    check("marked as timed out" in stdout and "summary: " in stdout, "the summary is printed all the same")
    t = Trace(c.valid_trace(out, 0))
    t.from_twisted(timed_out=True)
    check("timed out" in t.process, f'the process name says it too ("{t.process}")')
    outer = t.api("callInThread")[:2]
    check(len(t.lanes) == 2 and all(j["status"] == "running" for j in outer),
          "both of the pool's 2 threads still run their outer job")
    waits = t.api("blockingCallFromThread")
    check(len(waits) == 2 and all(w["blocked_dur_ns"] >= 1.0e9 for w in waits),  # began in the first second of 2
          "each waits in blockingCallFromThread until the end of the trace")
    queued = [j for j in t.pool_jobs() if j["status"] == "queued"]
    check(sorted(j["api"] for j in queued) == ["callInThread"] * 2 + ["deferToThread"] * 2,
          "the inner deferToThread jobs they wait for and the 2 later jobs never started")


def one_line(stderr: str) -> bool:
    return len(stderr.strip().splitlines()) == 1


def case_errors(c: Case) -> None:
    code, stdout, stderr, _ = c.run("no-such-scenario")
    check(code == 2 and one_line(stderr), "an unknown scenario name: exit 2, one line on stderr")
    check('no built-in scenario' in stderr and "lesson-resize-under-load" in stderr and "nothing was run" in stderr,
          "naming the built-in scenarios")

    bad = c.scenario_file("bad", {"name": "bad", "steps": [{"at": 0, "queue": {"api": "callInThread", "count": 0}}]})
    code, _, stderr, _ = c.run(bad)
    check(code == 2 and one_line(stderr) and f"{bad}: $.steps[0].queue.count: must be an integer in 1..100000"
          in stderr, "an invalid scenario file: exit 2, the file, the JSON path and the rule")
    broken = c.work / "broken.json"
    broken.write_text('{"name": "broken", "steps": [', encoding="utf-8")
    code, _, stderr, _ = c.run(str(broken))
    check(code == 2 and one_line(stderr) and "not valid JSON" in stderr, "a file that is not JSON: exit 2")
    twice = c.work / "twice.json"
    twice.write_text('{"name": "a", "name": "b", "steps": [{"at": 0, "waitIdle": {}}]}', encoding="utf-8")
    code, _, stderr, _ = c.run(str(twice))
    check(code == 2 and 'duplicate key "name"' in stderr, "a duplicate key is refused, as Thread Lab refuses it")

    # howto-callInThread takes 2 s: a refusal well under that was made before anything was played.
    missing = c.work / "no-such-folder" / "out.json"
    code, stdout, stderr, elapsed = c.run("howto-callInThread", "--export-trace", str(missing))
    check(code == 2 and one_line(stderr) and "--export-trace" in stderr and "does not exist" in stderr
          and "nothing was run" in stderr, "an --export-trace folder that does not exist: exit 2")
    check(elapsed < 1.5 and "playing" not in stdout and not missing.parent.exists(), "refused before playing")
    code, _, stderr, elapsed = c.run("howto-callInThread", "--export-trace", str(c.work))
    check(code == 2 and "is a folder" in stderr and elapsed < 1.5, "an --export-trace that is a folder: exit 2")

    code, _, stderr, _ = c.run("howto-callInThread", "--timeout", "-1")
    check(code == 2 and one_line(stderr) and "--timeout" in stderr, "a negative --timeout: exit 2")

    # -I -S: no site-packages, so no Twisted, whatever is installed.
    code, _, stderr, _ = c.run("howto-callInThread", python_flags=("-I", "-S"))
    check(code == 3 and one_line(stderr) and "sudo apt-get install python3-twisted" in stderr,
          "without Twisted: exit 3 and what to install")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--script", required=True)
    ap.add_argument("--check-trace", required=True)
    ap.add_argument("--thread-lab")
    ap.add_argument("case")
    args = ap.parse_args()
    if args.case != "errors" and importlib.util.find_spec("twisted") is None:
        print(f"SKIP: python3-twisted is not installed (apt-get install python3-twisted); {sys.executable} cannot "
              "import twisted")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="twisted-scenario-test-") as work:
        c = Case(args.script, args.check_trace, args.thread_lab, Path(work))
        try:
            if args.case.startswith("play:"):
                case_play(c, args.case[len("play:"):])
            elif args.case == "resize":
                case_resize(c)
            elif args.case == "timeout":
                case_timeout(c)
            elif args.case == "errors":
                case_errors(c)
            else:
                raise Failed(f"unknown case {args.case}")
        except Failed as e:
            print(f"FAIL: {e}")
            return 1
        except Exception:  # a trace without the records a check expects
            traceback.print_exc()
            print("FAIL: see the traceback above")
            return 1
    print(f"PASS: {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
