# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""Runs differential-test programs (see gen.py for the op language) on real Twisted and prints their logs. Reactor
programs run on a fresh SelectReactor each (not the global reactor), so that many run in one process.

Usage: twisted_interp.py PROGRAMS.jsonl   (one JSON program per line; run with Debian's /usr/bin/python3)
Output, per program: "### <seed>", its log lines, "### end". The C++ twin is qtwisted_interp.cpp: both must print
the same lines for the same behaviour, so every rendering choice here has its mirror there.
"""
import gc
import json
import sys

from twisted.internet import defer
from twisted.internet.defer import Deferred
from twisted.logger import globalLogBeginner
from twisted.python.failure import Failure


# The log line that takes a program out of the comparison: a documented divergence arose in it.
EXCLUDED = "EXCLUDED documented divergence: a callback returned a Deferred whose callbacks are running"

class E1(Exception):
    pass


class E2(Exception):
    pass


class NoSuchDeferred(Exception):
    """A program names a Deferred that does not exist (a shrunk program, or a fresh one never created)."""


ERRORS = {"E1": E1, "E2": E2}


def render_exc(e):
    if isinstance(e, (E1, E2)):
        return "%s(%s)" % (type(e).__name__, e.args[0])
    return type(e).__name__


def render_failure(f):
    return render_exc(f.value)


def render_value(v):
    if v is None:
        return "None"
    if isinstance(v, str):
        return v
    return "?" + type(v).__name__ + ":" + repr(v)


class Ctx:
    def __init__(self, out):
        self.out = out
        self.table = {}
        self.lists = set()
        self.consumed = set()

    def log(self, line):
        self.out.append(line)

    def get(self, i):
        if i not in self.table:
            raise NoSuchDeferred()
        return self.table[i]

    # -- callbacks ------------------------------------------------------------------------------------------

    def make_callback(self, own, kind, spec):
        def cb(received):
            if isinstance(received, Failure):
                self.log("%s got F:%s" % (spec["id"], render_failure(received)))
                trap = spec.get("trap")
                if trap is not None and type(received.value).__name__ != trap:
                    received.raiseException()
            else:
                self.log("%s got V:%s" % (spec["id"], render_value(received)))
            for act in spec.get("pre", []):
                self.action(spec["id"], own, act)
            return self.ret(spec["ret"], received)

        return cb

    def action(self, who, own, act):
        a = act["a"]
        if a == "add":
            try:
                self.add(own, act["k"], act["cb"])
                self.log("%s add -> ok" % who)
            except Exception as e:
                self.log("%s add -> %s" % (who, render_exc(e)))
            return
        try:
            d = self.get(act["d"])
            if a == "fire":
                d.callback(str(act["v"]))
            elif a == "err":
                d.errback(Failure(ERRORS[act["e"]](act["v"])))
            elif a == "cancel":
                d.cancel()
            self.log("%s %s d%d -> ok" % (who, a, act["d"]))
        except Exception as e:
            self.log("%s %s d%d -> %s" % (who, a, act["d"], render_exc(e)))

    def ret(self, r, received):
        k = r["r"]
        if k == "val":
            return str(r["v"])
        if k == "raise":
            raise ERRORS[r["e"]](r["v"])
        if k == "pass":
            return received
        if k == "fresh":
            d = Deferred()
            self.table[r["d"]] = d
            return d
        if k == "existing":
            d = self.get(r["d"])
            if d._runningCallbacks and not d.paused and not isinstance(getattr(d, "result", None), Deferred):
                # docs/design.md line 207, row "a callback returning a Deferred whose own callbacks are still
                # running": Twisted takes the result that Deferred's running callback was given, qtwisted waits
                # for its callbacks to end. Only Twisted can see this moment; run.py leaves such a program out.
                self.log(EXCLUDED)
            return d
        raise ValueError(k)

    def add(self, i, kind, spec):
        d = self.get(i)
        cb = self.make_callback(i, kind, spec)
        if kind == "cb":
            d.addCallback(cb)
        elif kind == "eb":
            d.addErrback(cb)
        else:
            d.addBoth(cb)

    # -- top-level ops --------------------------------------------------------------------------------------

    def canceller(self, can):
        if can is None:
            return None
        k = can["k"]

        def c(d):
            self.log("canceller %s" % k)
            if k == "fire":
                d.callback(str(can["v"]))
            elif k == "err":
                d.errback(Failure(ERRORS[can["e"]](can["v"])))
            elif k == "raise":
                raise ERRORS[can["e"]](can["v"])

        return c

    def op(self, n, o):
        name = o["op"]
        if name == "new":
            self.table[o["d"]] = Deferred(self.canceller(o.get("can")))
            return
        try:
            self.run_op(o)
            self.log("op%d %s -> ok" % (n, name))
        except Exception as e:
            self.log("op%d %s -> %s" % (n, name, render_exc(e)))

    def run_op(self, o):
        name = o["op"]
        if name == "add":
            self.add(o["d"], o["k"], o["cb"])
        elif name == "fire":
            self.get(o["d"]).callback(str(o["v"]))
        elif name == "err":
            self.get(o["d"]).errback(Failure(ERRORS[o["e"]](o["v"])))
        elif name == "cancel":
            self.get(o["d"]).cancel()
        elif name == "pause":
            self.get(o["d"]).pause()
        elif name == "unpause":
            self.get(o["d"]).unpause()
        elif name == "chain":
            a, b = self.get(o["d"]), self.get(o["to"])
            a.chainDeferred(b)
        elif name == "gather":
            ins = [self.get(i) for i in o["in"]]
            # docs/design.md, divergence table row "gatherResults": qtwisted marks the inputs' Failures handled,
            # so Twisted runs with consumeErrors=True (the inputs' end states are then compared as "consumed").
            d = defer.gatherResults(ins, consumeErrors=True)
            d.addCallbacks(lambda lst: "[" + ",".join(render_value(v) for v in lst) + "]", unwrap_first_error)
            self.table[o["d"]] = d
            self.lists.add(o["d"])
            self.consumed.update(o["in"])
        elif name == "dlist":
            ins = [self.get(i) for i in o["in"]]
            d = defer.DeferredList(
                ins, fireOnOneCallback=o["one_cb"], fireOnOneErrback=o["one_eb"], consumeErrors=o["consume"]
            )
            d.addCallbacks(render_dlist, unwrap_first_error)
            self.table[o["d"]] = d
            self.lists.add(o["d"])
            if o["consume"]:
                self.consumed.update(o["in"])
        elif name == "maybe":
            r = o["ret"]

            def f():
                return self.ret(r, None)

            self.table[o["d"]] = defer.maybeDeferred(f)
        else:
            raise ValueError(name)

    def end_state(self, i):
        d = self.table[i]
        if not d.called:
            return "unfired"
        if d.paused or isinstance(d.result, Deferred):
            return "pending"
        if i in self.consumed and (d.result is None or isinstance(d.result, Failure)):
            # docs/design.md, divergence table row "DeferredList(consumeErrors)" (and "gatherResults"): Twisted
            # leaves None in a consumed input, qtwisted its Failure marked handled. Both print "consumed".
            return "consumed"
        if d.result is None:
            # docs/design.md, divergence table rows "chainDeferred(other)" and "a chain whose inner Deferred
            # handed its result outward": Twisted holds None, qtwisted a void chain. Both print "void".
            return "void"
        if isinstance(d.result, Failure):
            return "F:" + render_failure(d.result)
        return "V:" + render_value(d.result)


def unwrap_first_error(f):
    # docs/design.md, divergence table rows "DeferredList(fireOnOneErrback)" and "gatherResults": qtwisted
    # errbacks with the first Failure itself, Twisted with FirstError(failure, index).
    if f.check(defer.FirstError):
        return f.value.subFailure
    return f


def render_dlist(result):
    if isinstance(result, tuple):
        # docs/design.md, divergence table row "DeferredList(fireOnOneCallback)": Twisted fires with
        # (result, index), qtwisted with a one-element list holding the winning Outcome.
        return "[(T,%s)]" % render_value(result[0])
    parts = []
    for ok, v in result:
        parts.append("(T,%s)" % render_value(v) if ok else "(F,%s)" % render_failure(v))
    return "[" + ",".join(parts) + "]"


UNHANDLED = []
LOGGED = []


def observer(event):
    # _DebugInfo.__del__ logs "Unhandled error in Deferred:" (critical) and then the Failure with an empty format
    # (or "(debug: ...)"); DeferredList.cancel logs a canceller's exception with its own message.
    if "log_failure" not in event:
        return
    if event.get("log_format", "") in ("", "(debug: {debugInfo})"):
        UNHANDLED.append(render_failure(event["log_failure"]))
    else:
        LOGGED.append("%s: %s" % (event.get("log_format"), render_failure(event["log_failure"])))


def run_program(prog):
    if prog.get("kind") == "reactor":
        return run_reactor_program(prog)
    # Whatever is alive now (the caller's programs, say) is not this program's garbage: freeze it, so the
    # collections below only walk what the program made.
    gc.freeze()
    out = []
    ctx = Ctx(out)
    del LOGGED[:]
    for n, o in enumerate(prog["ops"]):
        ctx.op(n, o)
        for entry in LOGGED:
            ctx.log("LOGGED " + entry)
        del LOGGED[:]
    for i in sorted(ctx.table):
        out.append("end d%d %s" % (i, ctx.end_state(i)))
    # docs/design.md line 206, row "a Deferred that dies paused before its callbacks ran, holding a Failure": Twisted
    # logs nothing for it (no _debugInfo.failResult), qtwisted logs it once. Rendered as qtwisted does.
    paused_failures = {}  # by object: two names may hold one Deferred (maybeDeferred returns the one it got)
    for i, d in ctx.table.items():
        info = getattr(d, "_debugInfo", None)
        if (d.called and d.paused and isinstance(d.result, Failure) and i not in ctx.consumed
                and (info is None or info.failResult is None)):
            paused_failures[id(d)] = render_failure(unwrap_first_error(d.result))
        del d, info  # the loop's names must not keep the last Deferred alive past the collection below
    del UNHANDLED[:]
    ctx.table.clear()
    del ctx
    gc.collect()
    gc.collect()
    out.extend(sorted("UNHANDLED " + u for u in UNHANDLED + list(paused_failures.values())))
    return out


TWISTED_NAMES = {"AlreadyCalled": "AlreadyCalledError", "AlreadyCancelled": "AlreadyCancelledError"}


def run_reactor_program(prog, attempts=4):
    """A reactor program (gen.py, "reactor programs") on a fresh real reactor; rerun (up to `attempts` times) when a
    timed call ran more than half a unit late, which would break the nominal timing the generator validated."""
    for k in range(attempts):
        out, late = _run_reactor_once(prog)
        if not late:
            return out
        REACTOR_RETRIES.append(prog["seed"])
    return out + [LATE]


REACTOR_RETRIES = []  # seeds of reactor programs run again because a timed call ran late
# The last log line of a reactor program late in every attempt: run.py leaves it out (and counts it).
LATE = "LATE a timed call ran more than half a unit late in every attempt"


def _run_reactor_once(prog):
    import threading

    from twisted.internet import threads
    from twisted.internet.selectreactor import SelectReactor

    unit = prog.get("unit", 0.025)
    r = SelectReactor()
    out = []
    calls = {}
    late = []
    stopped = []
    producers = {}
    threads_ = []
    ops = prog["ops"]
    pool_ops = [o for o in ops if o["op"] == "pool"]
    pool_ran, pool_delivered = [], []
    pending = {"n": 0}
    if pool_ops:
        r.suggestThreadPoolSize(1)

    def name(e):
        return TWISTED_NAMES.get(type(e).__name__, type(e).__name__)

    def act(who, a, c, t=None):
        try:
            if c not in calls:
                raise NoSuchDeferred()
            dc = calls[c]
            if a == "active":
                out.append("%s active c%d -> %s" % (who, c, dc.active()))
                return
            getattr(dc, a)(*([] if t is None else [t * unit]))
            out.append("%s %s c%d -> ok" % (who, a, c))
        except Exception as e:
            out.append("%s %s c%d -> %s" % (who, a, c, name(e)))

    def make(k, then, timed):
        def run():
            if timed and r.seconds() - calls[k].getTime() > unit / 2:
                late.append(k)
            out.append("run c%d" % k)
            for a in then:
                do(k, a)

        return run

    def do(k, a):
        who = "c%d" % k
        if a["a"] in ("cancel", "active"):
            act(who, a["a"], a["c"])
        elif a["a"] == "later":
            calls[a["c"]] = r.callLater(a["t"] * unit, make(a["c"], a["then"], True))
        elif a["a"] == "cft":
            r.callFromThread(make(a["c"], a["then"], False))
        elif a["a"] == "stop":
            try:
                r.stop()
                stopped.append(k)
                out.append("%s stop -> ok" % who)
            except Exception as e:
                out.append("%s stop -> %s" % (who, name(e)))
            out.append("%s stop returned" % who)

    def trigger(o):
        def fire():
            out.append("trigger c%d %s" % (o["c"], o["phase"]))
            if o["phase"] == "before" and o["wait"] >= 0:
                d = Deferred()

                def fired():
                    if r.seconds() - dc.getTime() > unit / 2:
                        late.append(o["c"])
                    out.append("trigger c%d fired" % o["c"])
                    d.callback(None)

                dc = r.callLater(o["wait"] * unit, fired)
                return d
            return None

        return fire

    def producer(p, n):
        for i in range(n):
            r.callFromThread(producers[p].append, i)

    def job(o):
        pool_ran.append("c%d" % o["c"])
        if o["raise"]:
            raise E1(str(o["c"]))
        return str(o["c"])

    def delivered(o):
        def cb(result):
            text = ("F:" + render_failure(result)) if isinstance(result, Failure) else "V:" + render_value(result)
            pool_delivered.append("c%d %s" % (o["c"], text))
            pending["n"] -= 1

        return cb

    for n, o in enumerate(ops):
        name_ = o["op"]
        if name_ == "later":
            calls[o["c"]] = r.callLater(o["t"] * unit, make(o["c"], o["then"], True))
        elif name_ == "cft":
            r.callFromThread(make(o["c"], o["then"], False))
        elif name_ == "cwr":
            r.callWhenRunning(make(o["c"], o["then"], False))
        elif name_ == "trigger":
            r.addSystemEventTrigger(o["phase"], "shutdown", trigger(o))
        elif name_ == "thread":
            producers[o["p"]] = []
            th = threading.Thread(target=producer, args=(o["p"], o["n"]))
            threads_.append(th)
        elif name_ == "pool":
            if o["how"] == "call":
                r.callInThread(job_logged, job, o)
            else:
                pending["n"] += 1
                threads.deferToThreadPool(r, r.getThreadPool(), job, o).addBoth(delivered(o))
        else:
            act("op%d" % n, name_, o["c"], o.get("t"))

    def finish():
        if stopped:
            return
        for th in threads_:
            th.join()
        if pending["n"] or len(pool_ran) < len(pool_ops):
            r.callLater(0.002, finish)
            return
        r.callFromThread(stop_quietly)

    def stop_quietly():
        try:
            r.stop()
        except Exception:
            pass

    import gen

    r.callLater((gen.reactor_last_unit(ops) + 2) * unit, finish)
    for th in threads_:
        th.start()
    r.run(installSignalHandlers=False)
    for th in threads_:
        th.join()
    r.removeReader(r.waker)
    r.waker.connectionLost(None)
    for p in sorted(producers):
        out.append("producer p%d: %s" % (p, " ".join(str(i) for i in producers[p])))
    if pool_ops:
        out.append("pool ran: " + " ".join(pool_ran))
        out.append("pool delivered: " + ", ".join(pool_delivered))
    return out, bool(late)


def job_logged(f, o):
    try:
        f(o)
    except E1:
        pass  # Twisted logs it; so does qtwisted (qtwisted.threadpool): the logs are not compared


def setup():
    """Routes Twisted's log to the observer (run.py imports this module and calls it once)."""
    globalLogBeginner.beginLoggingTo([observer], discardBuffer=True, redirectStandardIO=False)
    gc.collect()
    gc.freeze()  # what is alive now (Twisted's modules) is never garbage: the per-program collections skip it


def main():
    setup()
    path = sys.argv[1]
    w = sys.stdout.write
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            prog = json.loads(line)
            w("### %s\n" % prog["seed"])
            for entry in run_program(prog):
                w(entry + "\n")
            w("### end\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
