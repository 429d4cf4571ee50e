# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""Random small Deferred programs for the differential test (seeded: the same seed gives the same program).

A program is {"seed": S, "ops": [...]}; the ops run in order at top level. Deferreds are named by integers.

  {"op":"new","d":i,"can":CAN}     CAN: null (no canceller) | {"k":"fire","v":n} | {"k":"err","e":"E1","v":n}
                                        | {"k":"raise","e":"E2","v":n} | {"k":"none"} (a canceller doing nothing)
  {"op":"add","d":i,"k":"cb"|"eb"|"both","cb":SPEC}
  {"op":"fire","d":i,"v":n}  {"op":"err","d":i,"e":"E1","v":n}  {"op":"cancel","d":i}
  {"op":"pause","d":i}  {"op":"unpause","d":i}  {"op":"chain","d":a,"to":b}  (a.chainDeferred(b))
  {"op":"gather","d":n,"in":[...]}  {"op":"dlist","d":n,"in":[...],"one_cb":b,"one_eb":b,"consume":b}
  {"op":"maybe","d":n,"ret":RET}    (maybeDeferred of a function returning RET: val, raise or existing)

  SPEC:   {"id":"c3","trap":null|"E1"|..., "pre":[ACTION...], "ret":RET}   a callback: it logs what it got, traps
          (errbacks and addBoth only: a failure of another type is re-raised), runs its actions, then returns.
  ACTION: {"a":"fire","d":x,"v":n} | {"a":"err","d":x,"e":..,"v":n} | {"a":"cancel","d":x}
          | {"a":"add","k":..,"cb":SPEC}   (adds a callback to its own Deferred while the chain runs)
  RET:    {"r":"val","v":n} | {"r":"raise","e":"E2","v":n} | {"r":"pass"} (what it got: a value, or the failure
          re-raised) | {"r":"fresh","d":n} (a new unfired Deferred, named n) | {"r":"existing","d":x}

validate() holds the rules that keep programs away from qtwisted's documented divergences (docs/design.md,
"Divergences from Twisted 22.4"); the generator and the shrinker only keep programs that pass it.
"""
import random

FAILS = ["E1", "E2"]
TRAPS = ["E1", "E2", "CancelledError"]


def walk_specs(ops):
    """Yields (op index, own Deferred, spec, nested) for every callback spec of the program."""
    for n, o in enumerate(ops):
        if o["op"] != "add":
            continue
        stack = [(o["cb"], False)]
        while stack:
            spec, nested = stack.pop()
            yield n, o["d"], spec, nested
            for a in spec.get("pre", []):
                if a["a"] == "add":
                    stack.append((a["cb"], True))


def validate(ops):
    """True if the program stays inside what qtwisted promises to do as Twisted does."""
    alias = {}
    kind = {}  # id -> "plain" | "list" | "fresh" | "maybe"
    can = {}  # id -> canceller kind (None: no canceller)

    def canon(i):
        seen = set()
        while i in alias and i not in seen:  # a shrunk program may alias in a circle
            seen.add(i)
            i = alias[i]
        return i

    for o in ops:
        if o["op"] == "new":
            kind[o["d"]] = "plain"
            can[o["d"]] = (o.get("can") or {}).get("k")
        elif o["op"] in ("gather", "dlist"):
            kind[o["d"]] = "list"
        elif o["op"] == "maybe":
            if o["ret"]["r"] == "existing":
                alias[o["d"]] = o["ret"]["d"]
            else:
                kind[o["d"]] = "maybe"
    for _, _, spec, _ in walk_specs(ops):
        if spec["ret"]["r"] == "fresh":
            kind[spec["ret"]["d"]] = "fresh"

    # Retirement: from the op that retires it on, a Deferred takes no new callbacks. Twisted leaves None in a
    # Deferred that chainDeferred'd (docs/design.md line 203, row "chainDeferred(other)") or that a callback
    # returned (docs/design.md line 204, row "a chain whose inner Deferred handed its result outward"); qtwisted's
    # chain is void and a typed handle throws ChainTypeError. The inputs of gatherResults and of
    # DeferredList(consumeErrors) hold None in Twisted and a handled Failure in qtwisted (docs/design.md lines 199
    # and 200, rows "DeferredList(consumeErrors)" and "gatherResults").
    retired = {}
    returned = set()
    for n, o in enumerate(ops):
        if o["op"] == "chain":
            retired.setdefault(canon(o["d"]), n)
        if o["op"] == "gather" or (o["op"] == "dlist" and o["consume"]):
            for i in o["in"]:
                retired.setdefault(canon(i), n)
    # A fresh Deferred has been returned already (by the callback that made it): returning it again returns a
    # Deferred that handed its result outward (docs/design.md line 204: Twisted takes its None, qtwisted throws
    # ChainTypeError on the void chain).
    returned.update(i for i, k in kind.items() if k == "fresh")
    for n, own, spec, _ in walk_specs(ops):
        r = spec["ret"]
        if r["r"] == "existing":
            x = canon(r["d"])
            # docs/design.md line 202, row "a callback returning its own Deferred": qtwisted fails the chain,
            # Twisted warns. Never the own one; a Deferred is returned by at most one callback, and only a newer one (no waiting cycles).
            if x == canon(own) or x in returned or r["d"] <= own:
                return False
            returned.add(x)
            retired.setdefault(x, n)
        if r["r"] == "fresh":
            retired.setdefault(r["d"], -1)
    for i, k in kind.items():
        if k == "fresh":
            retired[i] = -1

    def live(i, n):
        return retired.get(canon(i), len(ops) + 1) > n

    paused = {}
    created = set()
    fire_targets = []  # (op index, Deferred) for every callback() with a value
    for n, o in enumerate(ops):
        name = o["op"]
        if name == "new":
            if o["d"] in created:
                return False
            created.add(o["d"])
        elif name == "add":
            if not live(o["d"], n):
                return False
        elif name in ("pause", "unpause") and kind.get(canon(o["d"])) == "fresh":
            # A fresh Deferred exists only once its callback ran: a pause refused as NoSuchDeferred would leave
            # its unpause unmatched, and Twisted lets the count go negative.
            return False
        elif name == "pause":
            paused[canon(o["d"])] = paused.get(canon(o["d"]), 0) + 1
        elif name == "unpause":
            if paused.get(canon(o["d"]), 0) <= 0:  # matched: Twisted lets the count go negative
                return False
            paused[canon(o["d"])] -= 1
        elif name == "chain":
            if canon(o["d"]) == canon(o["to"]) or not live(o["d"], n):
                return False
            fire_targets.append((n, o["to"]))
        elif name in ("gather", "dlist"):
            if len(set(map(canon, o["in"]))) != len(o["in"]):
                return False
            if not all(live(i, n) for i in o["in"]):
                return False
        elif name == "fire":
            fire_targets.append((n, o["d"]))
        if name in ("fire", "err"):
            if can.get(canon(o["d"])) in ("none",):  # docs/design.md line 201 (see below)
                return False
    for n, own, spec, nested in walk_specs(ops):
        for a in spec.get("pre", []):
            if a["a"] == "add" and canon(own) in retired:
                return False
            if a["a"] == "fire":
                fire_targets.append((n, a["d"]))
            if a["a"] in ("fire", "err") and can.get(canon(a["d"])) in ("none",):
                # docs/design.md line 201, row "cancel with a canceller that does not fire the Deferred": a late
                # result after such a cancel is swallowed by qtwisted and refused by Twisted; such Deferreds are
                # never fired (nor chained to, below).
                return False
    for _, i in fire_targets:
        # A gatherResults/DeferredList Deferred's head type is the list: callback() with a value is refused.
        if kind.get(canon(i)) == "list":
            return False
    for o in ops:
        if o["op"] == "chain" and can.get(canon(o["to"])) == "none":
            return False
    # core/runtime/include/qtwisted/deferred.h line 141: "cancel() first calls `canceller` (at most once)"; Twisted
    # calls it on every cancel() while the Deferred is unfired, which only shows with a canceller that raises.
    # Such a Deferred is cancelled at most once (directly, or through a list holding it).
    cancels = {}
    lists_of = {}
    for o in ops:
        if o["op"] in ("gather", "dlist"):
            lists_of[o["d"]] = [canon(i) for i in o["in"]]
    targets = [o["d"] for o in ops if o["op"] == "cancel"]
    for _, _, spec, _ in walk_specs(ops):
        targets += [a["d"] for a in spec.get("pre", []) if a["a"] == "cancel"]
    def reach(i, seen):
        # i and, through lists of lists, every input a cancel of i reaches (each path counts: Twisted cancels again)
        out = [i]
        for j in lists_of.get(i, []):
            if j not in seen:
                out += reach(j, seen | {j})
        return out

    for t in targets:
        for i in reach(canon(t), {canon(t)}):
            cancels[i] = cancels.get(i, 0) + 1
    if any(can.get(i) == "raise" and k > 1 for i, k in cancels.items()):
        return False
    # A callback on an input of a list returning that list makes a circular chain (the input waits on the list that
    # waits on it): like docs/design.md line 202, row "a callback returning its own Deferred", the two cannot agree
    # (cancelling such a list recurses in Twisted until Python's recursion limit).
    for _, own, spec, _ in walk_specs(ops):
        ret = spec.get("ret", {})
        if ret.get("r") == "existing" and canon(ret["d"]) in lists_of and canon(own) in reach(canon(ret["d"]), set()):
            return False
    return True


class Gen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.seed = seed
        self.ops = []
        self.next_d = 0
        self.next_c = 0
        self.known = []  # top-level Deferred ids so far (fresh ones included once created by a spec)
        self.open_pauses = []

    def val(self):
        return self.rng.randrange(1, 50)

    def pick(self):
        return self.rng.choice(self.known)

    def new_id(self):
        i = self.next_d
        self.next_d += 1
        return i

    def ret(self, own, allow_deferred, nested):
        r = self.rng.random()
        if r < 0.35:
            return {"r": "val", "v": self.val()}
        if r < 0.5:
            return {"r": "raise", "e": self.rng.choice(FAILS), "v": self.val()}
        newer = [i for i in self.known if i > own]  # validate(): only a newer Deferred may be returned
        if r < 0.68 or not allow_deferred or nested:
            return {"r": "pass"}
        if r < 0.78 or not newer:
            i = self.new_id()
            self.fresh.append(i)
            return {"r": "fresh", "d": i}
        return {"r": "existing", "d": self.rng.choice(newer)}

    def target(self, own):
        """Half the time an older Deferred than the callback's own: one that may return this one (re-entrancy)."""
        older = [i for i in self.known if i < own]
        if older and self.rng.random() < 0.5:
            return self.rng.choice(older)
        return self.pick()

    def action(self, own, depth):
        r = self.rng.random()
        if r < 0.35:
            return {"a": "fire", "d": self.target(own), "v": self.val()}
        if r < 0.55:
            return {"a": "err", "d": self.target(own), "e": self.rng.choice(FAILS), "v": self.val()}
        if r < 0.8:
            return {"a": "cancel", "d": self.pick()}
        if depth == 0:
            return {"a": "add", "k": self.rng.choice(["cb", "eb", "both"]), "cb": self.spec(own, 1)}
        return {"a": "cancel", "d": self.pick()}

    def spec(self, own, depth=0):
        self.next_c += 1
        s = {"id": "c%d" % self.next_c, "trap": None, "pre": [], "ret": None}
        if self.rng.random() < 0.25:
            s["trap"] = self.rng.choice(TRAPS)
        npre = self.rng.choice([0, 0, 0, 1, 1, 2])
        s["pre"] = [self.action(own, depth) for _ in range(npre)]
        s["ret"] = self.ret(own, True, depth > 0)
        return s

    def one_op(self):
        rng = self.rng
        r = rng.random()
        if not self.known or r < 0.12:
            can = rng.choice([None, None, None, {"k": "fire", "v": self.val()},
                              {"k": "err", "e": rng.choice(FAILS), "v": self.val()},
                              {"k": "raise", "e": rng.choice(FAILS), "v": self.val()}, {"k": "none"}])
            return {"op": "new", "d": self.new_id(), "can": can}
        d = self.pick()
        if r < 0.42:
            return {"op": "add", "d": d, "k": rng.choice(["cb", "cb", "eb", "both"]), "cb": self.spec(d)}
        if r < 0.55:
            return {"op": "fire", "d": d, "v": self.val()}
        if r < 0.62:
            return {"op": "err", "d": d, "e": rng.choice(FAILS), "v": self.val()}
        if r < 0.7:
            return {"op": "cancel", "d": d}
        if r < 0.76:
            return {"op": "pause", "d": d}
        if r < 0.8 and self.open_pauses:
            return {"op": "unpause", "d": self.open_pauses[0]}
        if r < 0.84:
            return {"op": "chain", "d": d, "to": self.pick()}
        if r < 0.94:
            k = min(len(self.known), rng.choice([1, 2, 2, 3]))
            ins = rng.sample(self.known, k)
            if rng.random() < 0.4:
                return {"op": "gather", "d": self.new_id(), "in": ins}
            return {"op": "dlist", "d": self.new_id(), "in": ins, "one_cb": rng.random() < 0.3,
                    "one_eb": rng.random() < 0.3, "consume": rng.random() < 0.3}
        rr = rng.random()
        if rr < 0.4:
            ret = {"r": "val", "v": self.val()}
        elif rr < 0.7:
            ret = {"r": "raise", "e": rng.choice(FAILS), "v": self.val()}
        else:
            ret = {"r": "existing", "d": d}
        return {"op": "maybe", "d": self.new_id(), "ret": ret}

    def reentrant(self):
        """A motif random ops seldom build in the right order: B's callback fires A, A's callback returns B, then B
        fires, so A's callback returns B while B's own callbacks are running."""
        if len(self.known) < 2:
            return None
        a, b = sorted(self.rng.sample(self.known, 2))
        fire_a = {"a": self.rng.choice(["fire", "err"]), "d": a, "v": self.val()}
        if fire_a["a"] == "err":
            fire_a["e"] = self.rng.choice(FAILS)
        sb = self.spec(b)
        sb["pre"] = [fire_a] + sb["pre"][:1]
        self.next_c += 1
        sa = {"id": "c%d" % self.next_c, "trap": None, "pre": [], "ret": {"r": "existing", "d": b}}
        k = self.rng.choice(["cb", "both"])
        return [{"op": "add", "d": b, "k": self.rng.choice(["cb", "both"]), "cb": sb},
                {"op": "add", "d": a, "k": k, "cb": sa},
                {"op": "fire", "d": b, "v": self.val()}]

    def program(self):
        length = self.rng.randrange(3, 15)
        tries = 0
        while len(self.ops) < length and tries < 200:
            tries += 1
            saved = (self.next_d, self.next_c)
            self.fresh = []
            motif = self.reentrant() if self.rng.random() < 0.05 else None
            if motif is not None:
                if validate(self.ops + motif):
                    self.ops += motif
                    self.known.extend(self.fresh)
                else:
                    self.next_d, self.next_c = saved
                continue
            op = self.one_op()
            if validate(self.ops + [op]):
                self.ops.append(op)
                if op["op"] in ("new", "gather", "dlist", "maybe"):
                    self.known.append(op["d"])
                self.known.extend(self.fresh)
                if op["op"] == "pause":
                    self.open_pauses.append(op["d"])
                if op["op"] == "unpause":
                    self.open_pauses.remove(op["d"])
            else:
                self.next_d, self.next_c = saved
        for d in list(self.open_pauses):
            if self.rng.random() < 0.8:
                op = {"op": "unpause", "d": d}
                if validate(self.ops + [op]):
                    self.ops.append(op)
        return {"seed": self.seed, "ops": self.ops}


def generate(seed):
    return Gen(seed).program()


# -- reactor programs ------------------------------------------------------------------------------------------------
# {"seed": S, "kind": "reactor", "unit": U, "ops": [...]}: run on a fresh real reactor on both sides (Twisted: a
# SelectReactor per program; qtwisted: a Reactor per program). The ops run in order before the reactor runs; times
# are in units of U seconds of real time. Every call logs "run ck" when it runs, then its actions ("then").
#   {"op":"later","c":k,"t":u,"then":[...]}   callLater(u units)
#   {"op":"cft","c":k,"then":[...]}           callFromThread, from the reactor thread
#   {"op":"cwr","c":k,"then":[...]}           callWhenRunning
#   {"op":"cancel"|"active","c":k}  {"op":"reset"|"delay","c":k,"t":u}   on the DelayedCall of call k
#   {"op":"trigger","c":k,"phase":"before"|"during"|"after","wait":w}  a "shutdown" trigger logging "trigger ck
#       <phase>"; a "before" one with w >= 0 returns a Deferred that a callLater(w units) fires ("trigger ck fired")
#   {"op":"thread","p":k,"n":m}   a producer thread posting m callFromThread calls; only its own order is logged
#       (at the end: "producer pk: 0 1 ..."), as the interleaving of producers with the reactor is not deterministic
#   {"op":"pool","c":k,"how":"call"|"defer","raise":b}  callInThread / deferToThreadPool on the reactor's pool,
#       suggested to 1 thread; the jobs' order and the results' delivery order are logged at the end ("pool ran: ...",
#       "pool delivered: ..."), as when a result arrives relative to the timed calls is not deterministic
# Actions inside a call: {"a":"cancel"|"active","c":j}, {"a":"later","c":j,"t":u,"then":[...]}, {"a":"cft","c":j,
# "then":[...]}, {"a":"stop"} (reactor.stop(), then the log line "ck stop returned").
# The harness stops the reactor two units after the last nominal deadline (after the producers and the pool are done)
# unless the program stopped it.

REACTOR_UNIT = 0.025
QUEUING = ("later", "cft", "stop")


def reactor_deadlines(ops):
    """Each top-level call's final deadline and whether it was rescheduled; None if the program is not comparable."""
    due, moved = {}, set()
    for o in ops:
        c = o.get("c")
        if o["op"] in ("later", "cft", "cwr", "trigger"):
            if c in due:
                return None
            due[c] = o.get("t", 0)
        elif o["op"] == "reset" and c in due:
            due[c] = o["t"]
            moved.add(c)
        elif o["op"] == "delay" and c in due:
            due[c] += o["t"]
            moved.add(c)
    return due, moved


def reactor_runs(ops):
    """The program's calls in nominal time: a list of (unit, arrives, queues, then, id, top) where `arrives` says the
    call is a timed call with a positive delay arriving at that unit (a cft'd call, a callLater(0) and a
    callWhenRunning run in the unit of what queued them), `queues` that it queues more work (callLater,
    callFromThread, stop) and `top` that it was scheduled by a top-level op (before the reactor ran). Cancels are
    ignored (conservative). Also returns the units of stop actions."""
    runs, stops = [], []
    due = reactor_deadlines(ops)[0]

    def walk(unit, arrives, then, ident, top=False):
        runs.append((unit, arrives, any(a["a"] in QUEUING for a in then), then, ident, top))
        for a in then:
            if a["a"] == "later":
                walk(unit + a["t"], a["t"] > 0, a.get("then", []), a["c"])
            elif a["a"] == "cft":
                walk(unit, False, a.get("then", []), a["c"])
            elif a["a"] == "stop":
                stops.append(unit)

    for o in ops:
        if o["op"] == "later":
            walk(due[o["c"]], due[o["c"]] > 0, o["then"], o["c"], True)
        elif o["op"] in ("cft", "cwr"):
            walk(0, False, o["then"], o["c"])
    return runs, stops


def validate_reactor(ops):
    r = reactor_deadlines(ops)
    if r is None:
        return False
    due, moved = r
    # docs/design.md line 195, row "DelayedCalls with equal deadlines": qtwisted runs them in scheduling order,
    # Twisted leaves it unspecified (its heap orders by time alone). Calls scheduled once agree; a rescheduled call
    # never shares its deadline.
    for c in moved:
        if any(d == due[c] for k, d in due.items() if k != c):
            return False
    ids = [o["c"] for o in ops if "c" in o and o["op"] in ("later", "cft", "cwr", "trigger")]
    runs, stops = reactor_runs(ops)
    ids += [x[4] for x in runs if x[4] not in due]
    if len(ids) != len(set(ids)):
        return False
    # Real time: two timed calls arriving in the same unit (due a few microseconds apart) may run in one pass of the
    # loop or in two, depending on how late the loop wakes up. Work queued by either (a callLater(0), a
    # callFromThread, a stop) then runs before or after the other one. And a call scheduled by a call is due at the
    # time its parent actually ran plus its delay: against another call of the same unit, the order depends on the
    # parent's lateness (tens of microseconds) against the spread of the top-level ops (as much). So in a unit where
    # two or more timed calls arrive, all of them were scheduled by top-level ops (their order is the order of their
    # deadlines, as in both) and none queues work. Stopping the reactor starts the "before" triggers' callLaters:
    # they count as arrivals, not top-level, that queue work (they end the shutdown).
    arrivals = {}
    for unit, arrives, queues, _, _, top in runs:
        if arrives:
            arrivals.setdefault(unit, []).append((queues, top))
    waits = [o["wait"] for o in ops if o["op"] == "trigger" and o["phase"] == "before" and o["wait"] >= 0]
    for s in stops:
        for w in waits:
            if w > 0:
                arrivals.setdefault(s + w, []).append((True, False))
    for unit, group in arrivals.items():
        if len(group) >= 2 and any(queues or not top for queues, top in group):
            return False
    if stops:
        # docs/design.md line 184, row "callFromThread after shutdown began": Twisted queues it (and runs it while a
        # "before" trigger's Deferred is pending, or drops it), qtwisted throws ReactorNotRunning. A callFromThread
        # queued in the unit of a stop (before it) also differs: Twisted's shutdown ends the loop with it still
        # queued (docs/design.md line 188, row "results of work finishing during shutdown"). So no callFromThread in
        # or after the unit of the first stop.
        first = min(stops)
        for unit, _, _, then, _, _ in runs:
            if unit >= first and any(a["a"] == "cft" for a in then):
                return False
        # Producers and pool jobs are only in programs the harness stops: their calls and results must not race a
        # stop (same two rows).
        if any(o["op"] in ("thread", "pool") for o in ops):
            return False
    return True


def reactor_last_unit(ops):
    """The last nominal unit at which something of the program runs (the harness stops the reactor 2 units later)."""
    runs, stops = reactor_runs(ops)
    waits = [o["wait"] for o in ops if o["op"] == "trigger" and o["wait"] >= 0]
    return max([r[0] for r in runs] + [0]) + max(waits + [0])


class ReactorGen:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.next_c = 0
        self.timed = []  # ids of callLater'd calls, the targets of cancel/active/reset/delay

    def new_id(self):
        self.next_c += 1
        return self.next_c - 1

    def acts(self, depth):
        rng = self.rng
        out = []
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            kind = rng.choice(["cancel", "active", "later", "later", "cft", "cft", "stop"] if depth < 2
                              else ["cancel", "active"])
            if kind == "stop" and rng.random() < 0.3:
                continue
            if kind in ("cancel", "active"):
                if self.timed:
                    out.append({"a": kind, "c": rng.choice(self.timed)})
            elif kind == "stop":
                out.append({"a": "stop"})
            else:
                c = self.new_id()
                a = {"a": kind, "c": c}
                if kind == "later":
                    a["t"] = rng.choice([0, 0, 1, 2])
                    self.timed.append(c)
                a["then"] = self.acts(depth + 1)
                out.append(a)
        return out

    def program(self, seed):
        rng = self.rng
        ops = []
        for _ in range(rng.randrange(1, 6)):
            kind = rng.choice(["later", "later", "later", "cft", "cwr"])
            c = self.new_id()
            o = {"op": kind, "c": c}
            if kind == "later":
                o["t"] = rng.randrange(0, 4)
                self.timed.append(c)
            o["then"] = self.acts(1)
            ops.append(o)
        for _ in range(rng.choice([0, 0, 1, 2])):
            if not self.timed:
                break
            op = {"op": rng.choice(["cancel", "reset", "delay", "active"]), "c": rng.choice(self.timed)}
            if op["op"] in ("reset", "delay"):
                op["t"] = rng.randrange(0, 4)
            ops.insert(rng.randrange(1, len(ops) + 1), op)
        for _ in range(rng.choice([0, 0, 1, 2])):
            phase = rng.choice(["before", "before", "during", "after"])
            wait = rng.choice([-1, 0, 1, 2]) if phase == "before" else -1
            ops.append({"op": "trigger", "c": self.new_id(), "phase": phase, "wait": wait})
        if rng.random() < 0.15:
            for p in range(rng.choice([1, 2])):
                ops.insert(rng.randrange(0, len(ops) + 1), {"op": "thread", "p": p, "n": rng.randrange(2, 6)})
        if rng.random() < 0.2:
            for _ in range(rng.randrange(1, 5)):
                ops.insert(rng.randrange(0, len(ops) + 1), {"op": "pool", "c": self.new_id(),
                                                            "how": rng.choice(["call", "defer", "defer"]),
                                                            "raise": rng.random() < 0.3})
        return {"seed": seed, "kind": "reactor", "unit": REACTOR_UNIT, "ops": ops}


def generate_reactor(seed):
    for attempt in range(50):
        prog = ReactorGen(seed * 1000 + attempt).program(seed)
        if validate_reactor(prog["ops"]):
            return prog
    return {"seed": seed, "kind": "reactor", "unit": REACTOR_UNIT, "ops": []}
