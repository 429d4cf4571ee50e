// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/threads.h>
#include <qtwisted/trace.h>

#include <QTest>

#include <algorithm>
#include <atomic>
#include <latch>
#include <map>
#include <memory>
#include <semaphore>
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

    void fullRecorderDropsTheOldestAndCountsThem()
    {
        TraceRecorder recorder(1024); // 64 chunks of 16 events
        QCOMPARE(recorder.capacity(), std::size_t { 1024 });
        constexpr int kEvents = 3000;
        for (int i = 0; i < kEvents; ++i) {
            TraceEvent e;
            e.jobId = static_cast<std::uint64_t>(i);
            recorder.record(e);
        }
        const auto events = drainAll(recorder);
        // Every event is either kept or counted as dropped; the oldest go, a chunk (16 events) at a time.
        QCOMPARE(events.size() + recorder.dropped(), std::size_t { kEvents });
        QVERIFY2(events.size() > 1024 - 16, qPrintable(QStringLiteral("kept %1").arg(events.size())));
        QVERIFY(events.size() <= 1024);
        for (std::size_t i = 0; i < events.size(); ++i) // the newest are kept, in order
            QCOMPARE(events[i].jobId, std::uint64_t { kEvents - events.size() + i });
    }

    void capacityRoundsUpToAPowerOfTwoOfAtLeast1024()
    {
        QCOMPARE(TraceRecorder(0).capacity(), std::size_t { 1024 });
        QCOMPARE(TraceRecorder(1025).capacity(), std::size_t { 2048 });
        QCOMPARE(TraceRecorder().capacity(), std::size_t { 1 } << 18);
    }

    void eventsOfALiveThreadAreDrainedOnceWithoutWaitingForItsChunkToFill()
    {
        TraceRecorder recorder;
        std::binary_semaphore step { 0 };
        std::binary_semaphore recorded { 0 };
        std::thread writer([&] {
            for (std::uint64_t round = 0; round < 3; ++round) {
                step.acquire();
                for (std::uint64_t i = 0; i < 3; ++i) {
                    TraceEvent e;
                    e.jobId = round * 10 + i;
                    recorder.record(e);
                }
                recorded.release();
            }
        });
        std::vector<std::uint64_t> seen;
        for (int round = 0; round < 3; ++round) {
            step.release();
            recorded.acquire();
            std::vector<TraceEvent> batch;
            QCOMPARE(recorder.drain(batch), std::size_t { 3 }); // read in place: the chunk holds 3 of 512
            for (const TraceEvent& e : batch)
                seen.push_back(e.jobId);
            QCOMPARE(recorder.drain(batch), std::size_t { 0 }); // nothing twice
        }
        writer.join();
        QCOMPARE(seen, (std::vector<std::uint64_t> { 0, 1, 2, 10, 11, 12, 20, 21, 22 }));
        QVERIFY(drainAll(recorder).empty()); // the writer's exit handed its chunk back without repeating anything
        QCOMPARE(recorder.dropped(), quint64 { 0 });
    }

    void everyEventOfManyThreadsIsDrainedExactlyOnceInEachThreadsOrder()
    {
        constexpr int kThreads = 4;
        constexpr std::uint64_t kPerThread = 50'000;
        TraceRecorder recorder(1 << 20);
        std::atomic<int> running { kThreads };
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&recorder, &running, t] {
                for (std::uint64_t i = 0; i < kPerThread; ++i) {
                    TraceEvent e;
                    e.worker = t;
                    e.jobId = i;
                    e.timeNs = traceNow();
                    recorder.record(e);
                }
                running.fetch_sub(1);
            });
        }
        std::vector<TraceEvent> events;
        auto byTime = [](const TraceEvent& a, const TraceEvent& b) { return a.timeNs < b.timeNs; };
        while (running.load() > 0) {
            std::vector<TraceEvent> batch;
            recorder.drain(batch, 1000); // drains while they write, in small batches
            QVERIFY(std::is_sorted(batch.begin(), batch.end(), byTime));
            events.insert(events.end(), batch.begin(), batch.end());
        }
        for (auto& t : threads)
            t.join();
        while (recorder.drain(events) > 0) { }
        QCOMPARE(recorder.dropped(), quint64 { 0 });
        QCOMPARE(events.size(), std::size_t { kThreads * kPerThread });
        std::vector<std::uint64_t> next(kThreads, 0);
        std::vector<std::int64_t> lastTime(kThreads, 0);
        for (const TraceEvent& e : events) {
            const auto t = static_cast<std::size_t>(e.worker);
            QCOMPARE(e.jobId, next[t]); // each thread's events once, in its order
            QVERIFY(e.timeNs >= lastTime[t]);
            ++next[t];
            lastTime[t] = e.timeNs;
        }
    }

    void aBatchIsInTimeOrderEvenWhenAThreadRecordedOutOfOrder()
    {
        // A callback's event carries its start time but is recorded when it ends, after events of later times.
        TraceRecorder recorder;
        auto record = [&recorder](std::int64_t time, std::uint64_t id) {
            TraceEvent e;
            e.timeNs = time;
            e.jobId = id;
            recorder.record(e);
        };
        record(50, 1);
        record(30, 2);
        record(70, 3);
        record(70, 4); // same time as the previous one: keeps its place after it
        std::thread other([&record] {
            record(40, 5);
            record(60, 6);
        });
        other.join();
        std::vector<TraceEvent> batch;
        QCOMPARE(recorder.drain(batch), std::size_t { 6 });
        std::vector<std::uint64_t> ids;
        for (const TraceEvent& e : batch)
            ids.push_back(e.jobId);
        QCOMPARE(ids, (std::vector<std::uint64_t> { 2, 5, 1, 6, 3, 4 }));
    }

    void moreThreadsThanChunksLoseOnlyTheEventsTheyCannotPlaceAndCountThem()
    {
        TraceRecorder recorder(1024); // 64 chunks: at most 64 threads can hold one at a time
        constexpr int kThreads = 70;
        std::latch recordedOnce(kThreads);
        std::latch mayExit(1);
        std::vector<std::thread> threads;
        for (int t = 0; t < kThreads; ++t) {
            threads.emplace_back([&recorder, &recordedOnce, &mayExit, t] {
                TraceEvent e;
                e.jobId = static_cast<std::uint64_t>(t);
                recorder.record(e);
                recordedOnce.count_down();
                mayExit.wait();
            });
        }
        recordedOnce.wait();
        QCOMPARE(recorder.dropped(), quint64 { kThreads - 64 });
        QCOMPARE(drainAll(recorder).size(), std::size_t { 64 });
        mayExit.count_down();
        for (auto& t : threads)
            t.join();
        // The threads gave their chunks back: the recorder has room again.
        for (int i = 0; i < 1000; ++i)
            recorder.record(TraceEvent {});
        QCOMPARE(drainAll(recorder).size(), std::size_t { 1000 });
        QCOMPARE(recorder.dropped(), quint64 { kThreads - 64 });
    }

    void aThreadRecordingIntoManyRecordersKeepsEveryEvent()
    {
        // A thread holds a chunk in at most 4 recorders at once; a fifth makes it hand one back (nothing is lost).
        std::vector<std::unique_ptr<TraceRecorder>> recorders;
        for (int r = 0; r < 6; ++r)
            recorders.push_back(std::make_unique<TraceRecorder>());
        for (int round = 0; round < 5; ++round) {
            for (auto& recorder : recorders) {
                TraceEvent e;
                e.jobId = static_cast<std::uint64_t>(round);
                recorder->record(e);
            }
        }
        for (auto& recorder : recorders) {
            const auto events = drainAll(*recorder);
            QCOMPARE(events.size(), std::size_t { 5 });
            for (std::size_t i = 0; i < events.size(); ++i)
                QCOMPARE(events[i].jobId, std::uint64_t { i });
        }
    }

    void aRecorderMadeAfterAnotherWasDestroyedStartsEmpty()
    {
        // This thread still remembers a chunk of the destroyed recorder; the new one (perhaps at the same address)
        // must neither see its events nor have it touched (AddressSanitizer checks the latter).
        auto first = std::make_unique<TraceRecorder>();
        TraceEvent e;
        e.jobId = 1;
        first->record(e);
        first.reset();
        TraceRecorder second;
        e.jobId = 2;
        second.record(e);
        const auto events = drainAll(second);
        QCOMPARE(events.size(), std::size_t { 1 });
        QCOMPARE(events.front().jobId, std::uint64_t { 2 });
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
        QCOMPARE(e.oldMin, 1);
        QCOMPARE(e.oldMax, 2);
        QCOMPARE(e.newMin, 0);
        QCOMPARE(e.newMax, 8);
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
