// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <QTest>

#include <latch>
#include <map>
#include <set>
#include <thread>

using namespace qtwisted;

namespace {

std::vector<TraceEvent> drainAll(TraceRecorder& recorder)
{
    std::vector<TraceEvent> events;
    while (recorder.drain(events, 4096) > 0) { }
    return events;
}

} // namespace

class TestTrace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyJobAccountedForExactlyOnceUnderFourThreads()
    {
        TraceRecorder recorder(1 << 16);
        ThreadPool pool(0, 4, QStringLiteral("traced"));
        recorder.attach(pool);
        pool.start();
        constexpr int kProducers = 4;
        constexpr int kPerProducer = 500;
        std::atomic<int> ran { 0 };
        {
            std::vector<std::thread> producers;
            for (int p = 0; p < kProducers; ++p) {
                producers.emplace_back([&pool, &ran, p] {
                    ScopedJobLabel label(QStringLiteral("producer %1").arg(p));
                    for (int i = 0; i < kPerProducer; ++i)
                        pool.callInThread([&ran] { ++ran; });
                });
            }
            for (auto& t : producers)
                t.join();
        }
        pool.stop();
        QCOMPARE(ran.load(), kProducers * kPerProducer);

        const auto events = drainAll(recorder);
        QCOMPARE(recorder.dropped(), quint64 { 0 });
        std::map<std::uint64_t, int> queued, started, finished;
        std::map<int, std::int64_t> lastTimeOnWorker;
        std::set<int> createdWorkers, retiredWorkers;
        std::set<QString> labels;
        for (const TraceEvent& e : events) {
            QCOMPARE(e.poolId, TraceStrings::intern(QStringLiteral("traced")));
            switch (e.kind) {
            case TraceEventKind::JobQueued:
                ++queued[e.jobId];
                labels.insert(TraceStrings::text(e.labelId));
                QCOMPARE(e.api, ApiKind::CallInThread);
                break;
            case TraceEventKind::JobStarted:
                ++started[e.jobId];
                QVERIFY(e.worker >= 0);
                QVERIFY2(e.timeNs >= lastTimeOnWorker[e.worker], "timestamps go backwards on a worker");
                lastTimeOnWorker[e.worker] = e.timeNs;
                break;
            case TraceEventKind::JobFinished:
                ++finished[e.jobId];
                QVERIFY(e.timeNs >= lastTimeOnWorker[e.worker]);
                QVERIFY(e.durationNs >= 0);
                lastTimeOnWorker[e.worker] = e.timeNs;
                break;
            case TraceEventKind::WorkerCreated:
                createdWorkers.insert(e.worker);
                QVERIFY(TraceStrings::text(e.labelId).startsWith(QStringLiteral("PoolThread-traced-")));
                break;
            case TraceEventKind::WorkerRetired:
                retiredWorkers.insert(e.worker);
                break;
            default:
                break;
            }
        }
        QCOMPARE(queued.size(), std::size_t { kProducers * kPerProducer });
        QCOMPARE(started.size(), queued.size());
        QCOMPARE(finished.size(), queued.size());
        for (const auto& [id, n] : queued) {
            QCOMPARE(n, 1);
            QCOMPARE(started[id], 1);
            QCOMPARE(finished[id], 1);
        }
        QCOMPARE(labels.size(), std::size_t { kProducers });
        QVERIFY(!createdWorkers.empty());
        QVERIFY(createdWorkers.size() <= 4);
        QCOMPARE(retiredWorkers, createdWorkers);
    }

    void fullRingDropsTheOldestAndCountsThem()
    {
        TraceRecorder recorder(1024);
        QCOMPARE(recorder.capacity(), std::size_t { 1024 });
        for (int i = 0; i < 3000; ++i) {
            TraceEvent e;
            e.jobId = static_cast<std::uint64_t>(i);
            recorder.record(e);
        }
        QCOMPARE(recorder.dropped(), quint64 { 3000 - 1024 });
        const auto events = drainAll(recorder);
        QCOMPARE(events.size(), std::size_t { 1024 });
        QCOMPARE(events.front().jobId, std::uint64_t { 3000 - 1024 }); // the newest are kept, in order
        QCOMPARE(events.back().jobId, std::uint64_t { 2999 });
    }

    void detachedPoolRecordsNothing()
    {
        TraceRecorder recorder;
        ThreadPool pool(0, 2, QStringLiteral("quiet"));
        recorder.attach(pool);
        recorder.detach(pool);
        pool.start();
        pool.callInThread([] {});
        pool.stop();
        QVERIFY(drainAll(recorder).empty());
    }

    void resizeRecordsOldAndNewSizesAndWho()
    {
        TraceRecorder recorder;
        ThreadPool pool(1, 2, QStringLiteral("resized"));
        recorder.attach(pool);
        {
            ScopedJobLabel by(QStringLiteral("test"));
            pool.adjustPoolsize(0, 8);
        }
        const auto events = drainAll(recorder);
        QCOMPARE(events.size(), std::size_t { 1 });
        const TraceEvent& e = events.front();
        QCOMPARE(e.kind, TraceEventKind::PoolResized);
        QCOMPARE(e.a, 1);
        QCOMPARE(e.b, 2);
        QCOMPARE(e.c, 0);
        QCOMPARE(e.d, 8);
        QCOMPARE(TraceStrings::text(e.labelId), QStringLiteral("test"));
    }

    void reactorRecordsCallsCallbacksAndBlockingWaits()
    {
        TraceRecorder recorder;
        std::vector<TraceEvent> events;
        {
            Reactor reactor;
            recorder.attach(reactor);
            reactor.callWhenRunning([&reactor] {
                ScopedJobLabel label(QStringLiteral("sum"));
                threads::deferToThreadPool(reactor, reactor.getThreadPool(), [] {
                    return 2;
                }).addCallback([&reactor](int) {
                    reactor.callInThread([&reactor] {
                        const int v = threads::blockingCallFromThread(reactor, [] { return 5; });
                        reactor.callFromThread([&reactor, v] {
                            if (v == 5)
                                reactor.stop();
                        });
                    });
                });
            });
            reactor.run();
            events = drainAll(recorder);
        }
        auto count = [&events](TraceEventKind kind, ApiKind api) {
            return std::count_if(
                events.begin(), events.end(), [=](const TraceEvent& e) { return e.kind == kind && e.api == api; });
        };
        QCOMPARE(count(TraceEventKind::JobQueued, ApiKind::DeferToThread), 1);
        QCOMPARE(count(TraceEventKind::JobFinished, ApiKind::DeferToThread), 1);
        QCOMPARE(count(TraceEventKind::CallbackRan, ApiKind::DeferToThread), 1);
        QCOMPARE(count(TraceEventKind::JobQueued, ApiKind::BlockingCallFromThread), 1);
        QCOMPARE(count(TraceEventKind::JobFinished, ApiKind::BlockingCallFromThread), 1);
        QCOMPARE(count(TraceEventKind::BlockingWait, ApiKind::BlockingCallFromThread), 1);
        QCOMPARE(count(TraceEventKind::JobFinished, ApiKind::CallFromThread), 1);
        const auto labelled = std::find_if(events.begin(), events.end(),
            [](const TraceEvent& e) { return e.kind == TraceEventKind::JobQueued && e.api == ApiKind::DeferToThread; });
        QCOMPARE(TraceStrings::text(labelled->labelId), QStringLiteral("sum"));
        // the callback's job id links it to the job that produced the result
        const auto cb = std::find_if(
            events.begin(), events.end(), [](const TraceEvent& e) { return e.kind == TraceEventKind::CallbackRan; });
        QCOMPARE(cb->jobId, labelled->jobId);
    }

    void busyReactorCallIsRecordedAsAStall()
    {
        // A call that keeps the reactor busy for 50 ms (> 16 ms, a frame) must appear as a ReactorStall that covers it.
        TraceRecorder recorder;
        std::vector<TraceEvent> events;
        std::int64_t busyStart = 0;
        std::int64_t busyEnd = 0;
        {
            Reactor reactor;
            recorder.attach(reactor);
            reactor.callWhenRunning([&] {
                reactor.callFromThread([&] {
                    busyStart = traceNow();
                    while (traceNow() - busyStart < 50'000'000) { }
                    busyEnd = traceNow();
                });
                reactor.callLater(std::chrono::milliseconds(200), [&reactor] { reactor.stop(); });
            });
            reactor.run();
            events = drainAll(recorder);
        }
        QVERIFY(busyEnd > busyStart);
        const auto stall = std::find_if(events.begin(), events.end(), [&](const TraceEvent& e) {
            return e.kind == TraceEventKind::ReactorStall && e.timeNs <= busyStart
                && e.timeNs + e.durationNs >= busyEnd;
        });
        QVERIFY2(stall != events.end(), "no ReactorStall covers the 50 ms busy call");
        QVERIFY(stall->durationNs >= 50'000'000);
        // Recorded once, whichever event dispatcher ran the loop (glib or QT_NO_GLIB=1).
        QCOMPARE(std::count_if(events.begin(), events.end(),
                     [&](const TraceEvent& e) {
                         return e.kind == TraceEventKind::ReactorStall && e.timeNs < busyEnd
                             && e.timeNs + e.durationNs > busyStart;
                     }),
            1);
    }
};

QTEST_GUILESS_MAIN(TestTrace)
#include "tst_trace.moc"
