#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""One round of bench_core's workloads in Twisted (Debian's python3-twisted), for same-run ratios (docs/benchmarks.md).

    /usr/bin/python3 tests/bench/twisted_bench.py [--quick] [--json] [--only key1,key2]

Every workload runs inside one reactor.run(), one after the other (a Deferred chain; Twisted's reactor cannot be
restarted). Workloads that need a pool that has never run anything get a fresh twisted.python.threadpool.ThreadPool.
Result keys are the ones bench_core --json prints; a key whose workload was skipped (--quick skips makespan_10) or
failed is null. With --json a single JSON object goes to stdout:

    {"implementation": "twisted", "version": "22.4.0", "reactor": "EPollReactor", "quick": false,
     "results": {key: number or null}, "info": {...}}

Times come from time.perf_counter_ns (CLOCK_MONOTONIC on Linux).
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import traceback

try:
    import twisted
except ImportError:
    # The shell's python3 may be a pyenv/venv interpreter without Debian's python3-twisted: retry with the
    # system interpreter once.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.abspath(__file__)] + sys.argv[1:])
    sys.exit("twisted_bench.py: Twisted is not importable; install Debian's python3-twisted and use /usr/bin/python3")

from twisted.internet import defer, reactor, task, threads
from twisted.python.threadpool import ThreadPool

now_ns = time.perf_counter_ns

# key -> (unit, Twisted baseline on this project's VM or None, description)
KEYS = {
    "cft_throughput": ("calls/s", 148e3, "callFromThread, 1 producer, until the last call ran"),
    "cft_throughput_4p": ("calls/s", None, "callFromThread, 4 producers"),
    "cft_latency_us": ("us", 20.0, "callFromThread post->run median, one at a time"),
    "cit_throughput": ("jobs/s", 54e3, "callInThread empty jobs, pool of 4 (baseline measured on this project's VM: pool 10)"),
    "dtt_roundtrip_us": ("us", 53.0, "deferToThread round trip median, one at a time"),
    "dtt_inflight_throughput": ("round trips/s", 30e3, "deferToThread, 1000 in flight"),
    "bcft_us": ("us", 39.0, "blockingCallFromThread median, 1 worker"),
    "bcft_4w_throughput": ("calls/s", 23e3, "blockingCallFromThread, 4 workers"),
    "makespan_100_cold": ("x ideal", 1.15, "1000 x 10 ms on 100 threads, fresh pool"),
    "makespan_100_warm": ("x ideal", 1.27, "the same again, threads started"),
    "makespan_10": ("x ideal", None, "200 x 50 ms on 10 threads"),
    "resize_running_ms": ("ms", None, "suggestThreadPoolSize(2->32) with backlog: until 32 running (null: never)"),
    "resize_call_ms": ("ms", None, "suggestThreadPoolSize(32) call itself"),
}

# Workload sizes: (full, quick). Twisted is ~100x slower than the C++ side, so its call counts are smaller than
# bench_core's; every throughput is a rate, so the ratios stay comparable.
SIZES = {
    "cft_calls": (200_000, 50_000),
    "cft_samples": (2000, 500),
    "cit_jobs": (200_000, 50_000),
    "dtt_samples": (2000, 500),
    "dtt_total": (20_000, 5000),
    "dtt_inflight": (1000, 1000),
    "bcft_samples": (2000, 500),
    "bcft_4w_total": (8000, 2000),
}

REACTOR_POOL_SIZE = 4  # bench_core's pool uses 4 workers
RESIZE_WAIT_S = 0.5


def later(value=None):
    """A Deferred fired from the next reactor iteration: lets a workload that finished inside a callback unwind
    before the next one starts."""
    d = defer.Deferred()
    reactor.callLater(0, d.callback, value)
    return d


def median_us(samples_ns):
    return statistics.median(samples_ns) / 1000.0


def start_daemon(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


# --- callFromThread -------------------------------------------------------------------------------------------


def cft_throughput(n, producers):
    """calls/s: `producers` threads post n calls in total; from the first post until the last call ran."""
    done = defer.Deferred()
    count = 0
    t_end = 0
    starts = []

    def tick():
        nonlocal count, t_end
        count += 1
        if count == n:
            t_end = now_ns()
            reactor.callLater(0, done.callback, None)

    barrier = threading.Barrier(producers)
    share = [n // producers + (1 if i < n % producers else 0) for i in range(producers)]

    def producer(k):
        post = reactor.callFromThread
        barrier.wait()
        starts.append(now_ns())
        for _ in range(k):
            post(tick)

    for k in share:
        start_daemon(producer, k)

    def result(_):
        return n / ((t_end - min(starts)) / 1e9)

    return done.addCallback(result)


def cft_latency(samples):
    """Median us from the post (perf_counter_ns in the producer) to the call running in the reactor; the producer
    waits for each call to run before posting the next."""
    done = defer.Deferred()
    lat = []

    def producer():
        ran_lock = threading.Lock()
        ran_lock.acquire()

        def ran(t_post):
            lat.append(now_ns() - t_post)
            ran_lock.release()

        post = reactor.callFromThread
        for _ in range(samples):
            post(ran, now_ns())
            ran_lock.acquire()
        reactor.callFromThread(done.callback, None)

    start_daemon(producer)
    return done.addCallback(lambda _: median_us(lat))


# --- callInThread ---------------------------------------------------------------------------------------------


def cit_throughput(n):
    """jobs/s: n empty jobs through reactor.callInThread (reactor pool, max 4); until the last job ran."""
    reactor.suggestThreadPoolSize(REACTOR_POOL_SIZE)
    lock = threading.Lock()
    finished = threading.Event()
    count = 0
    t_end = 0

    def job():
        nonlocal count, t_end
        with lock:
            count += 1
            last = count == n
        if last:
            t_end = now_ns()
            finished.set()

    submit = reactor.callInThread
    t0 = now_ns()
    for _ in range(n):
        submit(job)
    # The jobs do not need the reactor; waiting here (GIL released) is equivalent to waiting in epoll.
    if not finished.wait(timeout=120):
        raise RuntimeError(f"callInThread: only {count} of {n} jobs ran in 120 s")
    return defer.succeed(n / ((t_end - t0) / 1e9))


# --- deferToThread --------------------------------------------------------------------------------------------


def one():
    return 1


def dtt_roundtrip(samples):
    """Median us from threads.deferToThread(lambda: 1) to its callback running in the reactor, one at a time."""
    done = defer.Deferred()
    lat = []

    def submit():
        t0 = now_ns()
        threads.deferToThread(one).addCallback(got, t0)

    def got(_, t0):
        lat.append(now_ns() - t0)
        if len(lat) < samples:
            submit()
        else:
            reactor.callLater(0, done.callback, None)

    submit()
    return done.addCallback(lambda _: median_us(lat))


def dtt_inflight(total, inflight):
    """Round trips/s with `inflight` deferToThread calls outstanding at all times (each callback submits the next)."""
    done = defer.Deferred()
    submitted = 0
    completed = 0
    t_end = 0

    def submit():
        nonlocal submitted
        submitted += 1
        threads.deferToThread(one).addCallback(got)

    def got(_):
        nonlocal completed, t_end
        completed += 1
        if submitted < total:
            submit()
        if completed == total:
            t_end = now_ns()
            reactor.callLater(0, done.callback, None)

    t0 = now_ns()
    for _ in range(min(inflight, total)):
        submit()
    return done.addCallback(lambda _: total / ((t_end - t0) / 1e9))


# --- blockingCallFromThread -----------------------------------------------------------------------------------


def bcft_latency(samples):
    """Median us of threads.blockingCallFromThread(reactor, lambda: 1) from one reactor-pool worker."""

    def worker():
        lat = []
        call = threads.blockingCallFromThread
        for _ in range(samples):
            t0 = now_ns()
            call(reactor, one)
            lat.append(now_ns() - t0)
        return lat

    return threads.deferToThread(worker).addCallback(median_us)


def bcft_4w(total, workers=4):
    """calls/s: `workers` reactor-pool workers, each calling blockingCallFromThread in a loop."""
    reactor.suggestThreadPoolSize(max(REACTOR_POOL_SIZE, workers))
    barrier = threading.Barrier(workers)
    share = [total // workers + (1 if i < total % workers else 0) for i in range(workers)]

    def worker(k):
        barrier.wait(timeout=30)
        call = threads.blockingCallFromThread
        t0 = now_ns()
        for _ in range(k):
            call(reactor, one)
        return t0, now_ns()

    def result(spans):
        return total / ((max(e for _, e in spans) - min(s for s, _ in spans)) / 1e9)

    return defer.gatherResults([threads.deferToThread(worker, k) for k in share], consumeErrors=True).addCallback(
        result
    )


# --- makespan -------------------------------------------------------------------------------------------------


def makespan_run(pool, jobs, sleep_s, nthreads):
    """Wall time / ideal for `jobs` sleeps of `sleep_s` through pool.callInThread, ideal = jobs*sleep/nthreads."""
    done = defer.Deferred()
    lock = threading.Lock()
    count = 0
    t_end = 0

    def job():
        nonlocal count, t_end
        time.sleep(sleep_s)
        with lock:
            count += 1
            last = count == jobs
        if last:
            t_end = now_ns()
            reactor.callFromThread(done.callback, None)

    t0 = now_ns()
    for _ in range(jobs):
        pool.callInThread(job)
    ideal_ns = jobs * sleep_s / nthreads * 1e9
    return done.addCallback(lambda _: (t_end - t0) / ideal_ns)


@defer.inlineCallbacks
def makespan_100():
    """Cold: a fresh ThreadPool(0, 100) that has not started a thread yet (Twisted's pools start threads on
    demand); warm: the same pool again right after, its 100 threads idle."""
    pool = ThreadPool(0, 100, "bench-makespan-100")
    pool.start()
    try:
        cold = yield makespan_run(pool, 1000, 0.010, 100)
        yield later()
        warm = yield makespan_run(pool, 1000, 0.010, 100)
    finally:
        pool.stop()
    return cold, warm


@defer.inlineCallbacks
def makespan_10():
    pool = ThreadPool(0, 10, "bench-makespan-10")
    pool.start()
    try:
        ratio = yield makespan_run(pool, 200, 0.050, 10)
    finally:
        pool.stop()
    return ratio


# --- resize ---------------------------------------------------------------------------------------------------


@defer.inlineCallbacks
def resize(info):
    """Reactor pool at max 2 with 1000 x 20 ms jobs queued; time reactor.suggestThreadPoolSize(32) and the time
    from the call until 32 jobs run at once (null if not within 500 ms). Runs last: it uses the reactor pool.

    Twisted 22.4: adjustPoolsize() only grows the pool up to *min* (0 for the reactor pool), and queued work is only
    handed to workers as they recycle (_team.Team._recycleWorker), so the backlog stays on the 2 existing threads."""
    reactor.suggestThreadPoolSize(2)  # shrinks the reactor pool's idle workers (4 from the earlier workloads)
    yield task.deferLater(reactor, 0.05, lambda: None)  # workers still recycling quit when they do
    pool = reactor.getThreadPool()
    lock = threading.Lock()
    running = 0
    max_running = 0
    reached_ns = None
    cancelled = False
    reached = defer.Deferred()

    def job():
        nonlocal running, max_running, reached_ns
        if cancelled:
            return
        with lock:
            running += 1
            max_running = max(max_running, running)
            hit = running >= 32 and reached_ns is None
            if hit:
                reached_ns = now_ns()
        if hit:
            reactor.callFromThread(reached.callback, None)
        time.sleep(0.020)
        with lock:
            running -= 1

    for _ in range(1000):
        reactor.callInThread(job)
    yield task.deferLater(reactor, 0.03, lambda: None)  # the first 2 jobs are running, 998 queued
    stats = pool._team.statistics()
    info["resize_before"] = {
        "workers": stats.idleWorkerCount + stats.busyWorkerCount,
        "busy": stats.busyWorkerCount,
        "backlog": stats.backloggedWorkCount,
    }

    t0 = now_ns()
    reactor.suggestThreadPoolSize(32)
    t1 = now_ns()

    timeout = reactor.callLater(RESIZE_WAIT_S, lambda: reached.called or reached.callback(None))
    yield reached
    if timeout.active():
        timeout.cancel()
    stats = pool._team.statistics()
    info["resize_after_500ms" if reached_ns is None else "resize_after"] = {
        "workers": stats.idleWorkerCount + stats.busyWorkerCount,
        "busy": stats.busyWorkerCount,
        "backlog": stats.backloggedWorkCount,
        "max_running": max_running,
    }

    # Drain: the remaining jobs return at once; the reactor pool's stop at shutdown then joins promptly.
    cancelled = True
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        stats = pool._team.statistics()
        if stats.backloggedWorkCount == 0 and stats.busyWorkerCount == 0:
            break
        yield task.deferLater(reactor, 0.01, lambda: None)
    reactor.suggestThreadPoolSize(REACTOR_POOL_SIZE)
    return (
        None if reached_ns is None else (reached_ns - t0) / 1e6,
        (t1 - t0) / 1e6,
    )


# --- driver ---------------------------------------------------------------------------------------------------


def workloads(quick):
    """(keys produced, factory returning a Deferred of a value or a tuple of values), in run order."""
    s = {k: v[1] if quick else v[0] for k, v in SIZES.items()}
    return [
        (("cft_throughput",), lambda info: cft_throughput(s["cft_calls"], 1)),
        (("cft_throughput_4p",), lambda info: cft_throughput(s["cft_calls"], 4)),
        (("cft_latency_us",), lambda info: cft_latency(s["cft_samples"])),
        (("cit_throughput",), lambda info: cit_throughput(s["cit_jobs"])),
        (("dtt_roundtrip_us",), lambda info: dtt_roundtrip(s["dtt_samples"])),
        (("dtt_inflight_throughput",), lambda info: dtt_inflight(s["dtt_total"], s["dtt_inflight"])),
        (("bcft_us",), lambda info: bcft_latency(s["bcft_samples"])),
        (("bcft_4w_throughput",), lambda info: bcft_4w(s["bcft_4w_total"])),
        (("makespan_100_cold", "makespan_100_warm"), lambda info: makespan_100()),
        (("makespan_10",), None if quick else (lambda info: makespan_10())),
        (("resize_running_ms", "resize_call_ms"), lambda info: resize(info)),
    ], s


@defer.inlineCallbacks
def run_all(quick, only, results, info):
    plan, sizes = workloads(quick)
    info["sizes"] = sizes
    info["reactor_pool_size"] = REACTOR_POOL_SIZE
    for keys, factory in plan:
        if only is not None and not any(k in only for k in keys):
            continue
        for k in keys:
            results[k] = None
        if factory is None:
            continue
        t0 = time.monotonic()
        try:
            value = yield factory(info)
        except Exception:
            print(f"twisted_bench: {'/'.join(keys)} failed:", file=sys.stderr)
            traceback.print_exc()
            continue
        finally:
            info.setdefault("seconds", {})["/".join(keys)] = round(time.monotonic() - t0, 3)
        values = value if isinstance(value, tuple) else (value,)
        for k, v in zip(keys, values):
            results[k] = v
        yield later()


def fmt(value, unit):
    if value is None:
        return "n/a"
    if unit.endswith("/s"):
        return f"{value / 1e3:,.1f}k"
    if unit == "x ideal":
        return f"{value:.3f}"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def print_table(doc):
    print(f"Twisted {doc['version']} ({doc['reactor']}), Python {doc['python']}, {'quick' if doc['quick'] else 'full'}")
    print(f"{'key':<26} {'value':>12}  {'unit':<14} {'target':>9}  what")
    for key, (unit, baseline, what) in KEYS.items():
        if key not in doc["results"]:
            continue
        base = "" if baseline is None else fmt(baseline, unit)
        print(f"{key:<26} {fmt(doc['results'][key], unit):>12}  {unit:<14} {base:>9}  {what}")
    info = doc["info"]
    for k in ("resize_before", "resize_after", "resize_after_500ms"):
        if k in info:
            print(f"{k}: {info[k]}")
    print(f"seconds per workload: {info.get('seconds')}; total {info.get('total_seconds')}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small workloads (under ~8 s); skips makespan_10")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    ap.add_argument("--only", help="comma-separated result keys to run")
    args = ap.parse_args()
    only = None
    if args.only:
        only = {k.strip() for k in args.only.split(",") if k.strip()}
        unknown = only - KEYS.keys()
        if unknown:
            ap.error(f"unknown keys: {', '.join(sorted(unknown))} (known: {', '.join(KEYS)})")

    results = {}
    info = {}
    failure = []
    t_start = time.monotonic()

    def go():
        d = run_all(args.quick, only, results, info)

        def stop(r):
            if isinstance(r, Exception) or hasattr(r, "getTraceback"):
                failure.append(r)
            reactor.stop()

        d.addBoth(stop)

    # Watchdog: a wedged workload must not hang the driver's round.
    def watchdog():
        time.sleep(120 if args.quick else 300)
        print("twisted_bench: watchdog expired, exiting", file=sys.stderr)
        sys.stderr.flush()
        os._exit(3)

    start_daemon(watchdog)
    reactor.callWhenRunning(go)
    reactor.run(installSignalHandlers=True)
    info["total_seconds"] = round(time.monotonic() - t_start, 2)
    if failure:
        print(failure[0].getTraceback() if hasattr(failure[0], "getTraceback") else failure[0], file=sys.stderr)

    doc = {
        "implementation": "twisted",
        "version": twisted.__version__,
        "reactor": type(reactor).__name__,
        "python": sys.version.split()[0],
        "quick": args.quick,
        "results": {k: results[k] for k in KEYS if k in results},
        "info": info,
    }
    if args.json:
        json.dump(doc, sys.stdout)
        sys.stdout.write("\n")
    else:
        print_table(doc)
    sys.stdout.flush()
    return 1 if failure else 0


if __name__ == "__main__":
    sys.exit(main())
