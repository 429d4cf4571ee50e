#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The qtwisted authors
# SPDX-License-Identifier: MIT
"""The blockingCallFromThread deadlock (Twisted #5298, crochet #70) on real Twisted, with a timeout.

Every worker of the reactor's pool (size N) calls blockingCallFromThread(reactor, f), where f returns
deferToThread(g) on the same pool: g is queued behind the workers that wait for it. Prints whether the program
finished and how long it ran; exit status 0 when it finished, 1 when it hung (docs/diagnostics.md).

  /usr/bin/python3 scripts/twisted-blocking-deadlock.py [--workers 4] [--timeout 10]
"""
import argparse
import os
import sys
import threading
import time

from twisted.internet import reactor, threads


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=10.0)
    args = ap.parse_args()
    done = []
    lock = threading.Lock()
    started = time.monotonic()

    def g():
        return 21

    def f():
        return threads.deferToThread(g)

    def worker():
        v = threads.blockingCallFromThread(reactor, f)
        with lock:
            done.append(v)
            if len(done) == args.workers:
                reactor.callFromThread(reactor.stop)

    def hung():
        # reactor.stop() cannot end it: the workers never return, and the pool's stop joins them. Report and leave.
        print("twisted %s: HUNG: %d of %d blocking calls returned after %.1f s (gave up)"
              % (twisted_version(), len(done), args.workers, time.monotonic() - started), flush=True)
        os._exit(1)

    reactor.suggestThreadPoolSize(args.workers)
    for _ in range(args.workers):
        reactor.callInThread(worker)
    reactor.callLater(args.timeout, hung)
    reactor.run()
    print("twisted %s: finished: %d of %d blocking calls returned in %.3f s"
          % (twisted_version(), len(done), args.workers, time.monotonic() - started))
    return 0


def twisted_version():
    import twisted
    return twisted.__version__


if __name__ == "__main__":
    sys.exit(main())
