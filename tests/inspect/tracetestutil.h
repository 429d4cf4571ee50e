// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <atomic>
#include <vector>

// Shared by the trace data, job table and export tests: synthetic events and one real recorded run.
namespace tracetest {

using namespace qtwisted;

constexpr std::int64_t kMs = 1'000'000;

inline TraceEvent ev(TraceEventKind kind, std::int64_t timeMs, std::uint64_t job = 0, std::int32_t worker = -1,
    std::int64_t durationMs = 0, ApiKind api = ApiKind::CallInThread, const QString& pool = QStringLiteral("syn"))
{
    TraceEvent e;
    e.kind = kind;
    e.timeNs = timeMs * kMs;
    e.durationNs = durationMs * kMs;
    e.jobId = job;
    e.worker = worker;
    e.api = api;
    e.poolId = TraceStrings::intern(pool);
    return e;
}

/// A run through every API of a real Reactor with its pool recorded; returns the events (drained in batches).
inline std::vector<TraceEvent> recordRealRun(TraceRecorder& recorder, int deferred = 24)
{
    std::vector<TraceEvent> events;
    Reactor reactor;
    recorder.attach(reactor);
    std::atomic<int> left { deferred + 1 };
    auto done = [&reactor, &left] {
        if (--left == 0)
            reactor.stop();
    };
    reactor.callWhenRunning([&] {
        reactor.getThreadPool().adjustPoolsize(1, 3);
        for (int i = 0; i < deferred; ++i) {
            ScopedJobLabel label(QStringLiteral("square %1").arg(i));
            threads::deferToThreadPool(reactor, reactor.getThreadPool(), [i] {
                volatile int spin = 0;
                for (int k = 0; k < 20000; ++k)
                    spin = spin + k;
                return i * i;
            }).addCallback([&done](int) { done(); });
        }
        ScopedJobLabel label(QStringLiteral("ask the reactor"));
        reactor.callInThread([&reactor, &done] {
            const int v = threads::blockingCallFromThread(reactor, [] { return 5; });
            reactor.callFromThread([&done, v] {
                if (v == 5)
                    done();
            });
        });
    });
    reactor.run();
    while (recorder.drain(events, 64) > 0) { }
    return events;
}

} // namespace tracetest
