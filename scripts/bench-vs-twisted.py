#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""qtwisted against Twisted, alternating rounds in one invocation (docs/benchmarks.md: only same-run ratios count).

    scripts/bench-vs-twisted.py [--rounds 5] [--quick] [--json [FILE]] [--bench-core PATH]
                                [--cpp-json FILE] [--twisted-json FILE]

Each round runs `bench_core --json --rounds 1 [--quick]`, then
`/usr/bin/python3 tests/bench/twisted_bench.py --json [--quick]`, and prints the per-round ratios
qtwisted/Twisted for throughputs (with the targets), Twisted/qtwisted for latencies (informational), and
both sides' makespan and resize values. The summary is median [min-max] over rounds; a target is met when the
median ratio reaches it. A C++ key maps to a list of per-round values (its median is used); a plain number is
accepted too. Keys missing on either side are n/a.

--cpp-json / --twisted-json read that side's JSON from a file instead of running it (the same file every round):
for testing the driver, or re-using a saved run. Python 3 standard library only.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# key, target (qtwisted/Twisted >= target)
THROUGHPUT = [
    ("cft_throughput", 80.0),
    ("cft_throughput_4p", 80.0),
    ("cit_throughput", 40.0),
    ("dtt_inflight_throughput", 50.0),
]
# Twisted/qtwisted, informational (higher: qtwisted faster)
LATENCY = ["cft_latency_us", "dtt_roundtrip_us", "bcft_us"]
# Shown side by side; the absolute targets for the qtwisted side ("<=" each)
SIDE_BY_SIDE = [
    ("makespan_100_cold", 1.10, "x ideal"),
    ("makespan_100_warm", 1.03, "x ideal"),
    ("makespan_10", None, "x ideal"),
    ("resize_running_ms", 2.0, "ms"),
    ("resize_call_ms", 0.2, "ms"),
    ("bcft_4w_throughput", None, "calls/s"),
]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def resolve(path):
    if os.path.isabs(path) or os.path.exists(path):
        return path
    return os.path.join(REPO, path)


def parse_json_output(text):
    """The JSON object in a program's stdout; tolerates text before or after it."""
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the output")
    return json.loads(text[start : end + 1])


def number(v):
    """A result value as one number: the median of a list (C++ per-round values), None if absent or not numeric."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, list):
        xs = [float(x) for x in v if isinstance(x, (int, float)) and not isinstance(x, bool)]
        return statistics.median(xs) if xs else None
    return None


def results_of(doc):
    res = doc.get("results") if isinstance(doc, dict) else None
    if not isinstance(res, dict):
        return {}
    return {k: number(v) for k, v in res.items()}


def run_side(name, cmd, from_file, timeout):
    """(document, error): run cmd (or read from_file) and parse its JSON."""
    if from_file:
        try:
            with open(from_file) as f:
                return parse_json_output(f.read()), None
        except (OSError, ValueError) as e:
            return None, f"{name}: cannot read {from_file}: {e}"
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    except FileNotFoundError as e:
        return None, f"{name}: {e}"
    except subprocess.TimeoutExpired:
        return None, f"{name}: timed out after {timeout} s: {' '.join(cmd)}"
    log(f"  {name}: {time.monotonic() - t0:.1f} s, exit {p.returncode}")
    if p.returncode != 0:
        tail = "\n    ".join(p.stderr.strip().splitlines()[-8:])
        return None, f"{name}: exit {p.returncode}: {' '.join(cmd)}\n    {tail}"
    try:
        return parse_json_output(p.stdout), None
    except ValueError as e:
        return None, f"{name}: unparsable output ({e}): {p.stdout[:200]!r}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def spread(values):
    xs = [v for v in values if v is not None]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def f_ratio(r):
    return "n/a" if r is None else (f"{r:.1f}x" if r >= 10 else f"{r:.2f}x")


def f_value(v, unit=""):
    if v is None:
        return "n/a"
    if unit.endswith("/s"):
        return f"{v / 1e6:.2f}M" if v >= 1e6 else f"{v / 1e3:.1f}k"
    return f"{v:.3f}" if v < 10 else f"{v:.1f}"


def f_spread(s, fmt):
    if s is None:
        return "n/a"
    return f"{fmt(s['median'])} [{fmt(s['min'])}-{fmt(s['max'])}]"


def compare_round(cpp, tw):
    out = {}
    for key, _ in THROUGHPUT:
        out[key] = ratio(cpp.get(key), tw.get(key))
    for key in LATENCY:
        out[key] = ratio(tw.get(key), cpp.get(key))
    return out


def print_round(i, cpp, tw, ratios):
    print(f"round {i}:")
    for key, target in THROUGHPUT:
        r = ratios[key]
        mark = "n/a" if r is None else ("met" if r >= target else "MISSED")
        print(
            f"  {key:<26} qtwisted/Twisted {f_ratio(r):>8}  (>= {target:.0f}x {mark})"
            f"   {f_value(cpp.get(key), '/s')} vs {f_value(tw.get(key), '/s')}"
        )
    for key in LATENCY:
        print(
            f"  {key:<26} Twisted/qtwisted {f_ratio(ratios[key]):>8}  (info)"
            f"        {f_value(cpp.get(key))} vs {f_value(tw.get(key))} us"
        )
    side = []
    for key, _, unit in SIDE_BY_SIDE:
        t = f_value(tw.get(key), unit)
        if key == "resize_running_ms" and key in tw and tw[key] is None:
            t = "never"
        side.append(f"{key} {f_value(cpp.get(key), unit)} | {t}")
    print("  qtwisted | Twisted: " + "; ".join(side))


def summarize(rounds):
    summary = {"ratios": {}, "side_by_side": {}}
    for key, target in THROUGHPUT:
        s = spread([r["ratios"].get(key) for r in rounds])
        summary["ratios"][key] = {
            "direction": "qtwisted/twisted",
            "target": target,
            "spread": s,
            "met": None if s is None else s["median"] >= target,
            "rounds_met": sum(1 for r in rounds if (r["ratios"].get(key) or 0) >= target),
        }
    for key in LATENCY:
        summary["ratios"][key] = {
            "direction": "twisted/qtwisted",
            "target": None,
            "spread": spread([r["ratios"].get(key) for r in rounds]),
            "qtwisted": spread([r["qtwisted"].get(key) for r in rounds]),
            "twisted": spread([r["twisted"].get(key) for r in rounds]),
        }
    for key, limit, unit in SIDE_BY_SIDE:
        q = spread([r["qtwisted"].get(key) for r in rounds])
        entry = {
            "unit": unit,
            "qtwisted": q,
            "twisted": spread([r["twisted"].get(key) for r in rounds]),
            "qtwisted_target_max": limit,
            "met": None if (limit is None or q is None) else q["median"] <= limit,
        }
        if key == "resize_running_ms":
            entry["twisted_never_rounds"] = sum(
                1 for r in rounds if r["twisted_has"].get(key) and r["twisted"].get(key) is None
            )
        summary["side_by_side"][key] = entry
    return summary


def print_summary(summary, nrounds):
    print(f"\nsummary over {nrounds} round(s): median [min-max]")
    for key, target in THROUGHPUT:
        e = summary["ratios"][key]
        mark = "n/a" if e["met"] is None else ("met" if e["met"] else "MISSED")
        print(
            f"  {key:<26} qtwisted/Twisted {f_spread(e['spread'], f_ratio):<28} target >= {target:.0f}x: {mark}"
            f" ({e['rounds_met']}/{nrounds} rounds)"
        )
    for key in LATENCY:
        e = summary["ratios"][key]
        print(
            f"  {key:<26} Twisted/qtwisted {f_spread(e['spread'], f_ratio):<28} (info; us: qtwisted "
            f"{f_spread(e['qtwisted'], f_value)}, Twisted {f_spread(e['twisted'], f_value)})"
        )
    print("  side by side (qtwisted | Twisted):")
    for key, limit, unit in SIDE_BY_SIDE:
        e = summary["side_by_side"][key]
        fmt = lambda v, u=unit: f_value(v, u)  # noqa: E731
        tw = f_spread(e["twisted"], fmt)
        if key == "resize_running_ms" and e.get("twisted_never_rounds"):
            tw = f"never within 500 ms in {e['twisted_never_rounds']} round(s)" + (
                "" if e["twisted"] is None else f"; else {tw}"
            )
        mark = ""
        if limit is not None:
            verdict = "n/a" if e["met"] is None else ("met" if e["met"] else "MISSED")
            mark = f"  (qtwisted target <= {limit:g}: {verdict})"
        print(f"    {key:<24} {f_spread(e['qtwisted'], fmt)} {unit} | {tw}{mark}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    ap.add_argument("--quick", action="store_true", help="pass --quick to both sides")
    ap.add_argument(
        "--json", nargs="?", const="-", metavar="FILE", help="write the comparison as JSON (default: stdout)"
    )
    ap.add_argument("--bench-core", default="build/release/tests/bench/bench_core", help="the C++ benchmark")
    ap.add_argument("--twisted-bench", default="tests/bench/twisted_bench.py")
    ap.add_argument("--python", default="/usr/bin/python3", help="interpreter with python3-twisted")
    ap.add_argument("--cpp-json", metavar="FILE", help="read the C++ side's JSON from FILE instead of running it")
    ap.add_argument("--twisted-json", metavar="FILE", help="read Twisted's JSON from FILE instead of running it")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per benchmark process (default 900)")
    args = ap.parse_args()
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")

    quick = ["--quick"] if args.quick else []
    cpp_cmd = [resolve(args.bench_core), "--json", "--rounds", "1"] + quick
    tw_cmd = [args.python, resolve(args.twisted_bench), "--json"] + quick
    to_stdout_json = args.json == "-"
    # With --json on stdout the human-readable report goes to stderr.
    human = sys.stderr if to_stdout_json else sys.stdout

    rounds = []
    errors = []
    meta = {"qtwisted": {}, "twisted": {}}
    real_stdout = sys.stdout
    sys.stdout = human
    try:
        for i in range(1, args.rounds + 1):
            log(f"round {i}/{args.rounds}")
            cpp_doc, e1 = run_side("qtwisted", cpp_cmd, args.cpp_json, args.timeout)
            tw_doc, e2 = run_side("twisted", tw_cmd, args.twisted_json, args.timeout)
            round_errors = [e for e in (e1, e2) if e]
            for e in round_errors:
                log("  error: " + e)
            errors += [f"round {i}: {e}" for e in round_errors]
            for side, doc in (("qtwisted", cpp_doc), ("twisted", tw_doc)):
                if isinstance(doc, dict):
                    for k in ("implementation", "dispatcher", "version", "reactor", "python", "quick"):
                        if k in doc:
                            meta[side][k] = doc[k]
            cpp, tw = results_of(cpp_doc), results_of(tw_doc)
            r = {
                "round": i,
                "qtwisted": cpp,
                "twisted": tw,
                "twisted_has": {k: True for k in (tw_doc or {}).get("results", {})},
                "ratios": compare_round(cpp, tw),
                "errors": round_errors,
            }
            rounds.append(r)
            print_round(i, cpp, tw, r["ratios"])
            sys.stdout.flush()
        summary = summarize(rounds)
        print_summary(summary, len(rounds))
        if meta["qtwisted"] or meta["twisted"]:
            print(
                f"  qtwisted: {meta['qtwisted'].get('dispatcher', 'dispatcher n/a')}; "
                f"Twisted {meta['twisted'].get('version', 'n/a')} ({meta['twisted'].get('reactor', 'n/a')})"
            )
        if errors:
            print(f"  {len(errors)} error(s): see above")
    finally:
        sys.stdout.flush()
        sys.stdout = real_stdout

    if args.json:
        doc = {
            "rounds": args.rounds,
            "quick": args.quick,
            "commands": {
                "qtwisted": None if args.cpp_json else cpp_cmd,
                "twisted": None if args.twisted_json else tw_cmd,
                "qtwisted_json_file": args.cpp_json,
                "twisted_json_file": args.twisted_json,
            },
            "meta": meta,
            "per_round": [{k: v for k, v in r.items() if k != "twisted_has"} for r in rounds],
            "summary": summary,
            "errors": errors,
        }
        text = json.dumps(doc, indent=2) + "\n"
        if to_stdout_json:
            sys.stdout.write(text)
        else:
            with open(args.json, "w") as f:
                f.write(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
