#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""Checks that a Chrome trace-event JSON file opens the same way in the viewers Thread Lab's export targets.

The viewers: Perfetto (ui.perfetto.dev), chrome://tracing (Catapult), Qt Creator's trace viewer and Tracy's
`import-chrome`. Each rule below says which of them it protects. This is a lint of the portable subset of the
format (the "Trace Event Format" document, plus what those importers tolerate), not a viewer.

    scripts/check-trace.py TRACE.json [--quiet]

Prints one line per problem ("ERROR ..." or "WARN ...") and a summary; exits 0 when there is no error, 1 when
there is one, 2 when the file cannot be read as JSON.
"""
import json
import sys

# Phases every one of the four viewers reads the same way.
PORTABLE = frozenset("XBEiICM")
# Readable by some viewers only: a warning, not an error.
PARTIAL = {
    "b": "async events: Qt Creator ignores them, Tracy maps them to B/E (which breaks nesting)",
    "e": "async events: Qt Creator ignores them, Tracy maps them to B/E (which breaks nesting)",
    "n": "async events: Qt Creator ignores them",
    "s": "v1 flow events: prefer v2 flows (bind_id with flow_in/flow_out on an X slice)",
    "t": "v1 flow events: prefer v2 flows (bind_id with flow_in/flow_out on an X slice)",
    "f": "v1 flow events: prefer v2 flows (bind_id with flow_in/flow_out on an X slice)",
}
# Read differently by different viewers: an error.
CONFLICTING = {
    "T": "Perfetto's thread-state extension, which Catapult reads as an async step",
}
METADATA_STRING = ("process_name", "thread_name")
METADATA_SORT = ("process_sort_index", "thread_sort_index")
UINT32_LIMIT = 1 << 32


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_integer(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Checker:
    def __init__(self):
        self.errors = []
        self.warnings = []
        self.slices = {}  # (pid, tid) -> [(start, end, index, name)]
        self.counter_series = {}  # counter name -> its set of arg keys
        self.series_owner = {}  # arg key -> the counter that uses it
        self.flow_out = {}  # bind_id -> [(ts, index)]
        self.flow_in = {}  # bind_id -> [(ts, index)]

    def error(self, text):
        self.errors.append(text)

    def warn(self, text):
        self.warnings.append(text)

    def document(self, doc):
        if isinstance(doc, list):
            self.warn("a bare array of events: all four viewers read it, the object form is preferred")
            return doc
        if not isinstance(doc, dict):
            self.error("the top level must be an object (or an array of events)")
            return []
        unit = doc.get("displayTimeUnit")
        if unit is not None and unit not in ("ms", "ns"):
            self.error("displayTimeUnit must be \"ms\" or \"ns\" (Catapult throws on anything else)")
        events = doc.get("traceEvents")
        if not isinstance(events, list):
            self.error("the top-level object needs a \"traceEvents\" array")
            return []
        return events

    def event(self, index, ev):
        at = f"traceEvents[{index}]"
        if not isinstance(ev, dict):
            self.error(f"{at}: an event must be an object")
            return
        ph = ev.get("ph")
        if not isinstance(ph, str) or ph == "":
            self.error(f"{at}: no \"ph\" (Tracy's importer aborts)")
            return
        name = ev.get("name")
        if not isinstance(name, str) or name == "":
            self.error(f"{at}: no \"name\" string (Tracy reads it as a string; Catapult's flows need it)")
            name = ""
        for key in ("pid", "tid"):
            value = ev.get(key)
            if not is_integer(value) or not 0 <= value < UINT32_LIMIT:
                self.error(f"{at}: \"{key}\" must be an integer in [0, 2^32) "
                           "(Qt Creator converts it to int, Tracy asserts it fits 32 bits)")
        ts = ev.get("ts")
        if not is_number(ts) or ts < 0:
            self.error(f"{at}: every event needs a number \"ts\" >= 0, metadata too "
                       "(Qt Creator drops events without one)")
            return

        if ph in CONFLICTING:
            self.error(f"{at}: phase \"{ph}\" is {CONFLICTING[ph]}")
        elif ph in PARTIAL:
            self.warn(f"{at}: phase \"{ph}\": {PARTIAL[ph]}")
        elif ph not in PORTABLE:
            self.warn(f"{at}: phase \"{ph}\" is not read by all four viewers")

        if ph == "X":
            self.complete_slice(at, index, ev, ts, name)
        elif ph in ("i", "I"):
            self.instant(at, ev, name)
        elif ph == "C":
            self.counter(at, ev, name)
        elif ph == "M":
            self.metadata(at, ev, name)
        if "bind_id" in ev:
            self.flow(at, index, ev, ph, ts)

    def complete_slice(self, at, index, ev, ts, name):
        duration = ev.get("dur")
        if not is_number(duration) or duration < 0:
            self.error(f"{at}: an \"X\" slice needs a number \"dur\" >= 0")
            return
        lane = (ev.get("pid"), ev.get("tid"))
        self.slices.setdefault(lane, []).append((ts, ts + duration, index, name))

    def instant(self, at, ev, name):
        if ev.get("s", "t") not in ("t", "p", "g"):
            self.error(f"{at}: an instant's scope \"s\" must be \"t\", \"p\" or \"g\"")
        if "frame" in name.lower():
            self.warn(f"{at}: Tracy turns a message that contains \"frame\" into a frame mark")

    def counter(self, at, ev, name):
        args = ev.get("args")
        if not isinstance(args, dict) or not args:
            self.error(f"{at}: a counter needs a non-empty \"args\" object")
            return
        for key, value in args.items():
            if not is_number(value):
                self.error(f"{at}: counter value args.{key} must be a number")
        keys = frozenset(args)
        first = self.counter_series.setdefault(name, keys)
        if first != keys:
            self.error(f"{at}: counter \"{name}\" changes its series from {sorted(first)} to {sorted(keys)} "
                       "(Catapult fills the missing ones with zeros)")
        for key in keys:
            owner = self.series_owner.setdefault(key, name)
            if owner != name:
                self.error(f"{at}: series \"{key}\" belongs to counters \"{owner}\" and \"{name}\" "
                           "(Tracy names a plot by the series key alone and merges them)")

    def metadata(self, at, ev, name):
        args = ev.get("args")
        args = args if isinstance(args, dict) else {}
        if name in METADATA_STRING:
            if not isinstance(args.get("name"), str):
                self.error(f"{at}: \"{name}\" needs a string args.name")
        elif name in METADATA_SORT:
            if not is_integer(args.get("sort_index")):
                self.error(f"{at}: \"{name}\" needs an integer args.sort_index")
        else:
            self.warn(f"{at}: metadata \"{name}\" is not read by all four viewers")

    def flow(self, at, index, ev, ph, ts):
        bind = ev["bind_id"]
        if not bind:
            self.error(f"{at}: a bind_id of 0 or \"\" is ignored by Catapult")
        if isinstance(bind, str):
            try:
                int(bind, 16)
            except ValueError:
                self.error(f"{at}: Perfetto parses a string bind_id as hexadecimal; \"{bind}\" is not")
        into, out = ev.get("flow_in") is True, ev.get("flow_out") is True
        if not into and not out:
            self.error(f"{at}: a bind_id without flow_in or flow_out binds nothing")
        if ph not in ("X", "B"):
            self.warn(f"{at}: v2 flows bind to slices: put bind_id on an X or B event")
        key = json.dumps(bind)
        target = self.flow_out if out and not into else self.flow_in
        target.setdefault(key, []).append((ts, index))

    def finish(self):
        # Slices of one thread must nest: Perfetto moves a partial overlap to an overflow track, Catapult and
        # Qt Creator draw it nested wrongly.
        for (pid, tid), slices in self.slices.items():
            slices.sort(key=lambda s: (s[0], s[0] - s[1]))
            open_slices = []
            for start, end, index, name in slices:
                while open_slices and start >= open_slices[-1][1]:
                    open_slices.pop()
                if open_slices and end > open_slices[-1][1]:
                    self.error(f"traceEvents[{index}] \"{name}\" overlaps traceEvents[{open_slices[-1][2]}] "
                               f"without nesting in it (pid {pid}, tid {tid})")
                open_slices.append((start, end, index))
        for key, producers in self.flow_out.items():
            if len(producers) != 1:
                self.error(f"flow {key}: {len(producers)} events start it (Catapult supports one)")
            for ts, index in self.flow_in.get(key, []):
                if ts < producers[0][0]:
                    self.error(f"traceEvents[{index}]: flow {key} arrives before it leaves")
        for key in self.flow_in:
            if key not in self.flow_out:
                self.error(f"flow {key}: arrives but never leaves")


def check(path, quiet=False):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        print(f"ERROR {path}: {e}")
        return 2
    checker = Checker()
    events = checker.document(doc)
    for index, ev in enumerate(events):
        checker.event(index, ev)
    checker.finish()
    if not quiet:
        for text in checker.warnings:
            print("WARN ", text)
    for text in checker.errors:
        print("ERROR", text)
    print(f"{path}: {len(events)} events, {len(checker.errors)} errors, {len(checker.warnings)} warnings")
    return 1 if checker.errors else 0


def main(argv):
    args = [a for a in argv[1:] if a != "--quiet"]
    if len(args) != 1:
        print("usage: check-trace.py TRACE.json [--quiet]", file=sys.stderr)
        return 2
    return check(args[0], quiet="--quiet" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
