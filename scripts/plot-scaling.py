#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""Plots bench_scaling's JSON: how cost grows with size (docs/benchmarks.md, "How cost grows with size").

    scripts/plot-scaling.py scaling.json [--out docs/images]

Writes three PNGs, each with a log-scaled N axis:
  scaling-time.png    cost per operation (ns/op), one panel per group; a flat line is constant cost per operation
  scaling-memory.png  memory per item (bytes/item)
  scaling-paint.png   the timeline's paint time (ms/paint) with N jobs in view

Needs matplotlib (Debian: apt-get install python3-matplotlib; this runs Debian's /usr/bin/python3).
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

# Panels of the time figure: title, the row keys' common prefixes.
TIME_GROUPS = [
    ("callLater timers, N pending", ("timers.",)),
    ("Deferred: chain of N callbacks, nest of depth N", ("deferred.",)),
    ("pool: backlog of N jobs, 1 worker", ("pool.",)),
    ("recorder -> TraceData: N recorded jobs", ("session.", "tracedata.")),
    ("JobTableModel: N rows", ("jobtable.",)),
]


def medians(row, sizes):
    xs, ys = [], []
    for n in sizes:
        value = row["median"].get(str(n))
        if value is not None:
            xs.append(n)
            ys.append(value)
    return xs, ys


def style(ax, ylabel):
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.4)
    ax.legend(fontsize=8, loc="best")


def subtitle(data):
    return "bench_scaling, %s, %s, %d CPUs, median of %d repetitions (3 at N = 10^6)" % (
        data.get("date", "?")[:10],
        data.get("machine", "?"),
        data.get("cpus", 0),
        data.get("reps", 0),
    )


def plot_time(data, rows, sizes, path):
    fig, axes = plt.subplots(len(TIME_GROUPS), 1, figsize=(10, 4.2 * len(TIME_GROUPS)))
    for ax, (title, prefixes) in zip(axes, TIME_GROUPS):
        for row in rows:
            if row["unit"] != "ns/op" or not row["key"].startswith(prefixes):
                continue
            xs, ys = medians(row, sizes)
            ax.plot(xs, ys, marker="o", label="%s — %s" % (row["key"], row["what"]))
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        style(ax, "ns per operation")
    fig.suptitle("Cost per operation as N grows (flat = constant)\n" + subtitle(data), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.975))  # room for the two-line title
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_memory(data, rows, sizes, path):
    fig, ax = plt.subplots(figsize=(10, 6))
    for row in rows:
        if row["unit"] != "bytes/item":
            continue
        xs, ys = medians(row, sizes)
        ax.plot(xs, ys, marker="o", label="%s — %s" % (row["key"], row["what"]))
    bound = data.get("sessionBoundBytesPerJob")
    if bound:
        ax.axhline(bound, color="red", linestyle="--", linewidth=1, label="bound per recorded job (%g bytes)" % bound)
    ax.set_ylim(bottom=0)
    style(ax, "bytes per item")
    ax.set_title("Memory per item as N grows\n" + subtitle(data), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def plot_paint(data, rows, sizes, path):
    fig, ax = plt.subplots(figsize=(10, 5))
    for row in rows:
        if row["unit"] != "ms/paint":
            continue
        xs, ys = medians(row, sizes)
        ax.plot(xs, ys, marker="o", label="%s — %s" % (row["key"], row["what"]))
    ax.set_ylim(bottom=0)
    style(ax, "ms per paint")
    ax.set_title("Timeline paint time with N jobs in the trace (1920x1080, offscreen)\n" + subtitle(data), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", help="bench_scaling --json output")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "docs", "images"))
    args = parser.parse_args()
    with open(args.json, encoding="utf-8") as f:
        data = json.load(f)
    rows = data["rows"]
    sizes = [int(n) for n in data["sizes"]]
    os.makedirs(args.out, exist_ok=True)
    written = []
    for name, plot in (
        ("scaling-time.png", plot_time),
        ("scaling-memory.png", plot_memory),
        ("scaling-paint.png", plot_paint),
    ):
        path = os.path.join(args.out, name)
        plot(data, rows, sizes, path)
        written.append(os.path.normpath(path))
    print("\n".join(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
