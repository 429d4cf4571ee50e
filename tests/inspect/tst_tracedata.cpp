// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include "tracetestutil.h"

#include <qtwisted/inspect/tracedata.h>

#include <QTest>

#include <algorithm>
#include <random>
#include <set>

using namespace qtwisted;
using namespace tracetest;
using K = TraceEventKind;

namespace {

// Two jobs on worker 0, one cancelled, one on the reactor, a callback and a stall (times in ms):
//   job 1 queued 0, ran 10..30;  job 2 (deferToThread) queued 5, ran 30..40, callback 45..55;  job 3 queued 6,
//   cancelled at 8;  reactor call 7 queued 0, ran 50..60;  stall 90..120;  max 2 -> 4 at 20.
std::vector<TraceEvent> scenario()
{
    std::vector<TraceEvent> e {
        ev(K::WorkerCreated, 1, 0, 0),
        ev(K::JobStarted, 10, 1, 0),
        ev(K::JobQueued, 0, 1),
        ev(K::JobQueued, 5, 2, -1, 0, ApiKind::DeferToThread),
        ev(K::JobQueued, 6, 3),
        ev(K::JobCancelled, 8, 3),
        ev(K::PoolResized, 20),
        ev(K::JobFinished, 30, 1, 0, 20),
        ev(K::JobStarted, 30, 2, 0, 0, ApiKind::DeferToThread),
        ev(K::JobFinished, 40, 2, 0, 10, ApiKind::DeferToThread),
        ev(K::CallbackRan, 45, 2, -1, 10, ApiKind::DeferToThread),
        ev(K::JobQueued, 0, 7, -1, 0, ApiKind::CallFromThread, QStringLiteral("qtwisted.reactor")),
        ev(K::JobStarted, 50, 7, -1, 0, ApiKind::CallFromThread, QStringLiteral("qtwisted.reactor")),
        ev(K::JobFinished, 60, 7, -1, 10, ApiKind::CallFromThread, QStringLiteral("qtwisted.reactor")),
        ev(K::ReactorStall, 90, 0, -1, 30, ApiKind::CallFromThread, QStringLiteral("qtwisted.reactor")),
        ev(K::WorkerRetired, 200, 0, 0),
    };
    TraceEvent& resize = e[6];
    resize.oldMin = 1;
    resize.oldMax = 2;
    resize.newMin = 1;
    resize.newMax = 4;
    return e;
}

std::uint32_t syn()
{
    return TraceStrings::intern(QStringLiteral("syn"));
}

} // namespace

class TestTraceData : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void jobsCarryTheirTimesAndStatus()
    {
        TraceData d;
        d.append(scenario());
        QCOMPARE(d.jobs().size(), std::size_t { 4 });
        const JobRecord& j1 = d.jobs()[static_cast<std::size_t>(d.findJob(syn(), 1))];
        QCOMPARE(j1.status, JobStatus::Finished);
        QCOMPARE(j1.waitNs(), 10 * kMs);
        QCOMPARE(j1.runNs(), 20 * kMs);
        QCOMPARE(j1.worker, 0);
        const JobRecord& j2 = d.jobs()[static_cast<std::size_t>(d.findJob(syn(), 2))];
        QCOMPARE(j2.api, ApiKind::DeferToThread);
        QCOMPARE(j2.callbackDelayNs(), 5 * kMs);
        const JobRecord& j3 = d.jobs()[static_cast<std::size_t>(d.findJob(syn(), 3))];
        QCOMPARE(j3.status, JobStatus::Cancelled);
        QCOMPARE(j3.runNs(), kNoTime);
        const std::int32_t call = d.findJob(TraceStrings::intern(QStringLiteral("qtwisted.reactor")), 7, true);
        QVERIFY(call >= 0);
        QCOMPARE(d.jobs()[static_cast<std::size_t>(call)].lane, JobRecord::kReactorLane);
        QCOMPARE(d.reactor().calls.size(), std::size_t { 1 });
        QCOMPARE(d.reactor().callbacks.size(), std::size_t { 1 });
        QCOMPARE(d.reactor().stalls.size(), std::size_t { 1 });
        QCOMPARE(d.timeOrigin(), std::int64_t { 0 });
        QCOMPARE(d.latestNs(), 200 * kMs);
    }

    void reactorCallIdsDoNotCollideWithPoolJobIds()
    {
        // The reactor's pool and the reactor share a name, not an id space.
        TraceData d;
        const QString name = QStringLiteral("qtwisted.reactor");
        d.append(std::vector<TraceEvent> { ev(K::JobQueued, 0, 1, -1, 0, ApiKind::CallInThread, name),
            ev(K::JobQueued, 1, 1, -1, 0, ApiKind::CallFromThread, name) });
        QCOMPARE(d.jobs().size(), std::size_t { 2 });
        QVERIFY(d.findJob(TraceStrings::intern(name), 1, false) != d.findJob(TraceStrings::intern(name), 1, true));
    }

    void lanesAreNeverMerged()
    {
        TraceData d;
        TraceEvent named = ev(K::WorkerCreated, 0, 0, 0, 0, ApiKind::CallInThread, QStringLiteral("a"));
        named.labelId = TraceStrings::intern(QStringLiteral("PoolThread-a-0"));
        d.append(std::vector<TraceEvent> {
            named,
            ev(K::WorkerCreated, 0, 0, 0, 0, ApiKind::CallInThread, QStringLiteral("b")), // same index, other pool
            ev(K::WorkerRetired, 5, 0, 0, 0, ApiKind::CallInThread, QStringLiteral("a")),
            ev(K::WorkerCreated, 6, 0, 1, 0, ApiKind::CallInThread, QStringLiteral("a")), // a new thread
            ev(K::JobStarted, 7, 1, 2, 0, ApiKind::CallInThread, QStringLiteral("a")), // never announced
        });
        QCOMPARE(d.lanes().size(), std::size_t { 4 });
        std::set<std::pair<std::uint32_t, std::int32_t>> identities;
        for (const WorkerLane& lane : d.lanes())
            identities.insert({ lane.poolId, lane.worker });
        QCOMPARE(identities.size(), std::size_t { 4 });
        const WorkerLane& a0
            = d.lanes()[static_cast<std::size_t>(d.findLane(TraceStrings::intern(QStringLiteral("a")), 0))];
        QCOMPARE(a0.threadName, QStringLiteral("PoolThread-a-0"));
        QCOMPARE(a0.createdNs, std::int64_t { 0 });
        QCOMPARE(a0.retiredNs, 5 * kMs);
        QCOMPARE(d.lanes()[3].threadName, QStringLiteral("PoolThread-a-2"));
    }

    void intervalsAreSortedAndFoundByRange()
    {
        TraceData d;
        // three jobs on worker 0 at 10..20, 30..40, 50..60 ms; the batches arrive out of order
        d.append(std::vector<TraceEvent> { ev(K::JobStarted, 30, 2, 0), ev(K::JobFinished, 40, 2, 0, 10) });
        d.append(std::vector<TraceEvent> { ev(K::JobFinished, 20, 1, 0, 10), ev(K::JobStarted, 50, 3, 0) });
        const auto all = d.lanes()[0].jobs.all();
        QCOMPARE(all.size(), std::size_t { 3 });
        QVERIFY(std::is_sorted(
            all.begin(), all.end(), [](const Interval& a, const Interval& b) { return a.startNs < b.startNs; }));
        QCOMPARE(all.back().endNs, kOpenEnd); // job 3 still runs

        auto ids = [&d](std::int64_t t0, std::int64_t t1) {
            QList<std::uint64_t> out;
            for (const Interval& iv : d.intervalsIn(0, t0 * kMs, t1 * kMs))
                out.append(d.jobs()[static_cast<std::size_t>(iv.row)].id);
            return out;
        };
        QCOMPARE(ids(35, 55), (QList<std::uint64_t> { 2, 3 }));
        QCOMPARE(ids(21, 29), QList<std::uint64_t> {});
        QCOMPARE(ids(0, 10), QList<std::uint64_t> { 1 });
        QCOMPARE(ids(1000, 2000), QList<std::uint64_t> { 3 }); // open: runs on
        QCOMPARE(d.intervalsIn(7, 0, 100).size(), std::size_t { 0 }); // no such lane

        d.append(std::vector<TraceEvent> { ev(K::JobFinished, 70, 3, 0, 20) });
        QCOMPARE(ids(1000, 2000), QList<std::uint64_t> {});
        QCOMPARE(ids(65, 2000), QList<std::uint64_t> { 3 });
    }

    void stepSeriesFollowBacklogBusyAndMax()
    {
        TraceData d;
        d.setInitialPoolSize(syn(), 1, 2);
        d.append(scenario());
        const PoolSeries* p = d.pool(syn());
        QVERIFY(p);
        const std::vector<StepPoint> backlog { { 0, 1 }, { 5 * kMs, 2 }, { 6 * kMs, 3 }, { 8 * kMs, 2 },
            { 10 * kMs, 1 }, { 30 * kMs, 0 } };
        QCOMPARE(std::vector<StepPoint>(p->backlog.points().begin(), p->backlog.points().end()), backlog);
        // at 30 ms one job ends and the next starts on the same worker: no step
        const std::vector<StepPoint> busy { { 10 * kMs, 1 }, { 40 * kMs, 0 } };
        QCOMPARE(std::vector<StepPoint>(p->busy.points().begin(), p->busy.points().end()), busy);
        QCOMPARE(p->busy.valueAt(35 * kMs), std::int64_t { 1 });
        QCOMPARE(p->backlog.valueAt(-1), std::int64_t { 0 });
        QCOMPARE(p->backlog.valueAt(7 * kMs), std::int64_t { 3 });
        QCOMPARE(p->maxThreads.valueAt(19 * kMs), std::int64_t { 2 });
        QCOMPARE(p->maxThreads.valueAt(20 * kMs), std::int64_t { 4 });
        QCOMPARE(p->backlog.maxIn(0, 9 * kMs), std::int64_t { 3 });
        QCOMPARE(p->backlog.pointsIn(5 * kMs, 8 * kMs).size(), std::size_t { 3 });
        QCOMPARE(d.resizes().size(), std::size_t { 1 });
        QCOMPARE(d.resizes()[0].newMax, 4);
    }

    void maxWithoutSeedStartsAtTheFirstResizesOldMax()
    {
        TraceData d;
        d.append(scenario());
        QCOMPARE(d.pool(syn())->maxThreads.valueAt(0), std::int64_t { 2 });
    }

    void batchingAndOrderDoNotChangeTheResult()
    {
        TraceData whole;
        whole.append(scenario());
        std::vector<TraceEvent> events = scenario();
        std::mt19937 rng(7);
        for (int round = 0; round < 20; ++round) {
            std::shuffle(events.begin(), events.end(), rng);
            TraceData pieces;
            for (std::size_t i = 0; i < events.size(); i += 3) {
                pieces.append(std::vector<TraceEvent>(events.begin() + static_cast<std::ptrdiff_t>(i),
                    events.begin() + static_cast<std::ptrdiff_t>(std::min(i + 3, events.size()))));
            }
            pieces.setTimeOrigin(whole.timeOrigin());
            // rows follow arrival order; everything else is the same
            QCOMPARE(pieces.jobs().size(), whole.jobs().size());
            QCOMPARE(pieces.pool(syn())->backlog, whole.pool(syn())->backlog);
            QCOMPARE(pieces.pool(syn())->busy, whole.pool(syn())->busy);
            QCOMPARE(pieces.pool(syn())->maxThreads, whole.pool(syn())->maxThreads);
            QCOMPARE(pieces.reactor().stalls, whole.reactor().stalls);
            for (const JobRecord& j : whole.jobs()) {
                const std::int32_t row = pieces.findJob(j.poolId, j.id, runsOnReactor(j.api));
                QVERIFY(row >= 0);
                JobRecord other = pieces.jobs()[static_cast<std::size_t>(row)];
                other.lane = j.lane; // lane indices follow arrival order too
                QCOMPARE(other, j);
            }
        }
    }

    /// maxIn() answers from a block index: over any range it must equal the largest value a plain scan finds, for
    /// series built in batches that arrive out of order (each late batch rebuilds a series' tail and its index).
    void maxInEqualsAScanOverEveryRange()
    {
        std::vector<TraceEvent> events;
        std::mt19937 rng(11);
        std::uniform_int_distribution<int> jitter(0, 40);
        for (std::uint64_t job = 1; job <= 20'000; ++job) {
            const auto queued = static_cast<std::int64_t>(job) * 3 + jitter(rng);
            const std::int64_t started = queued + jitter(rng);
            const std::int64_t ended = started + jitter(rng);
            const auto worker = static_cast<std::int32_t>(job % 16);
            events.push_back(ev(K::JobQueued, queued, job));
            events.push_back(ev(K::JobStarted, started, job, worker));
            events.push_back(ev(K::JobFinished, ended, job, worker, ended - started));
        }
        // Mostly in order, with every eighth batch held back and delivered late.
        TraceData data;
        std::vector<TraceEvent> late;
        constexpr std::size_t kBatch = 999;
        for (std::size_t i = 0, n = 0; i < events.size(); i += kBatch, ++n) {
            std::vector<TraceEvent> batch(events.begin() + static_cast<std::ptrdiff_t>(i),
                events.begin() + static_cast<std::ptrdiff_t>(std::min(i + kBatch, events.size())));
            if (n % 8 == 3) {
                late.insert(late.end(), batch.begin(), batch.end());
                continue;
            }
            data.append(std::move(batch));
            if (n % 8 == 6) {
                data.append(std::move(late));
                late.clear();
            }
        }
        data.append(std::move(late));
        const PoolSeries* pool = data.pool(syn());
        QVERIFY(pool);
        for (const StepSeries* series : { &pool->backlog, &pool->busy }) {
            const std::span<const StepPoint> points = series->points();
            QVERIFY(points.size() > 10'000);
            auto scan = [&](std::int64_t t0, std::int64_t t1) {
                std::int64_t best = series->valueAt(t0);
                for (const StepPoint& p : points) {
                    if (p.timeNs >= t0 && p.timeNs <= t1)
                        best = std::max(best, p.value);
                }
                return best;
            };
            const std::int64_t first = points.front().timeNs;
            const std::int64_t last = points.back().timeNs;
            std::uniform_int_distribution<std::int64_t> at(first - 10, last + 10);
            for (int k = 0; k < 2000; ++k) {
                std::int64_t t0 = at(rng);
                std::int64_t t1 = at(rng);
                if (t1 < t0)
                    std::swap(t0, t1);
                if (k % 4 == 0)
                    t1 = t0 + (t1 - t0) / 1000; // narrow ranges too, as one timeline column
                QCOMPARE(series->maxIn(t0, t1), scan(t0, t1));
            }
            QCOMPARE(series->maxIn(first - 10, last + 10), scan(first - 10, last + 10));
        }
    }

    void statisticsMatchHandComputedValues()
    {
        TraceData d;
        d.append(scenario());
        const RangeStats s = d.stats(0, 100 * kMs);
        QCOMPARE(s.lanes.size(), std::size_t { 1 });
        QCOMPARE(s.lanes[0].busyNs, 30 * kMs); // 10..30 and 30..40
        QCOMPARE(s.lanes[0].busyPercent, 30.0);
        QCOMPARE(s.jobsEnded, std::int64_t { 2 });
        QCOMPARE(s.throughputPerSecond, 20.0); // 2 jobs in 0.1 s
        QCOMPARE(s.wait.count, std::int64_t { 2 }); // 10 ms and 25 ms
        QCOMPARE(s.wait.meanNs, 17.5 * kMs);
        QCOMPARE(s.wait.p50Ns, 10 * kMs);
        QCOMPARE(s.wait.p95Ns, 25 * kMs);
        QCOMPARE(s.run.count, std::int64_t { 2 }); // 20 ms and 10 ms
        QCOMPARE(s.run.meanNs, 15.0 * kMs);
        QCOMPARE(s.run.p50Ns, 10 * kMs);
        QCOMPARE(s.run.p95Ns, 20 * kMs);
        // callback 45..55 and call 50..60 overlap (15 ms), stall 90..120 clipped to 10 ms
        QCOMPARE(s.reactorBusyNs, 25 * kMs);
        QCOMPARE(s.reactorBusyPercent, 25.0);

        const RangeStats part = d.stats(25 * kMs, 35 * kMs);
        QCOMPARE(part.lanes[0].busyNs, 10 * kMs);
        QCOMPARE(part.jobsEnded, std::int64_t { 1 }); // job 1 at 30
        QCOMPARE(part.wait.count, std::int64_t { 1 }); // job 2 started at 30
        QCOMPARE(part.wait.p50Ns, 25 * kMs);
        QCOMPARE(d.stats(300 * kMs, 400 * kMs).lanes.size(), std::size_t { 0 }); // retired at 200
        QCOMPARE(d.stats(5, 5).jobsEnded, std::int64_t { 0 });
    }

    void percentilesUseNearestRank()
    {
        TraceData d;
        std::vector<TraceEvent> events;
        for (int i = 1; i <= 20; ++i) { // run times 1..20 ms, back to back on worker 0
            const std::int64_t start = 1000 * i;
            events.push_back(ev(K::JobStarted, start, static_cast<std::uint64_t>(i), 0));
            events.push_back(ev(K::JobFinished, start + i, static_cast<std::uint64_t>(i), 0, i));
        }
        d.append(events);
        const RangeStats s = d.stats(0, 100'000 * kMs);
        QCOMPARE(s.run.count, std::int64_t { 20 });
        QCOMPARE(s.run.p50Ns, 10 * kMs);
        QCOMPARE(s.run.p95Ns, 19 * kMs);
        QCOMPARE(s.run.meanNs, 10.5 * kMs);
    }

    void droppedEventsStillGiveConsistentSeries()
    {
        // The queue event of job 1 and the start of job 2 were lost.
        TraceData d;
        d.append(std::vector<TraceEvent> { ev(K::JobStarted, 10, 1, 0), ev(K::JobFinished, 20, 1, 0, 10),
            ev(K::JobQueued, 15, 2), ev(K::JobFinished, 40, 2, 0, 15) });
        const PoolSeries* p = d.pool(syn());
        const std::vector<StepPoint> backlog { { 15 * kMs, 1 }, { 25 * kMs, 0 } };
        QCOMPARE(std::vector<StepPoint>(p->backlog.points().begin(), p->backlog.points().end()), backlog);
        QCOMPARE(p->busy.valueAt(50 * kMs), std::int64_t { 0 });
        QCOMPARE(d.jobs()[1].startedNs, 25 * kMs);
        QCOMPARE(d.jobs()[0].waitNs(), kNoTime);
    }

    void garbageEventsNeitherCrashNorOverflow()
    {
        TraceData d;
        TraceEvent e;
        e.kind = TraceEventKind::JobFinished;
        e.timeNs = std::numeric_limits<std::int64_t>::min();
        e.durationNs = std::numeric_limits<std::int64_t>::max();
        e.worker = std::numeric_limits<std::int32_t>::min();
        e.jobId = ~std::uint64_t { 0 };
        TraceEvent f = e;
        f.kind = TraceEventKind::JobQueued;
        f.timeNs = std::numeric_limits<std::int64_t>::max();
        d.append(std::vector<TraceEvent> { e, f, e });
        QCOMPARE(d.jobs().size(), std::size_t { 1 });
        (void)d.stats(std::numeric_limits<std::int64_t>::min() / 4, std::numeric_limits<std::int64_t>::max() / 4);
    }

    void realRunThroughEveryApi()
    {
        TraceRecorder recorder;
        const std::vector<TraceEvent> events = recordRealRun(recorder);
        QCOMPARE(recorder.dropped(), quint64 { 0 });
        TraceData d;
        const std::uint32_t poolId = TraceStrings::intern(QStringLiteral("qtwisted.reactor"));
        d.setInitialPoolSize(poolId, 5, 10);
        for (std::size_t i = 0; i < events.size(); i += 50) // the GUI's way: batches
            d.append(std::span<const TraceEvent>(events).subspan(i, std::min<std::size_t>(50, events.size() - i)));

        int deferred = 0;
        int callbacks = 0;
        for (const JobRecord& j : d.jobs()) {
            QCOMPARE(j.status, JobStatus::Finished);
            QVERIFY(j.waitNs() >= 0);
            QVERIFY(j.runNs() >= 0);
            if (j.api == ApiKind::DeferToThread) {
                ++deferred;
                QVERIFY(TraceStrings::text(j.labelId).startsWith(QStringLiteral("square ")));
                QVERIFY(j.lane >= 0);
            }
            if (j.callbackStartNs != kNoTime) {
                ++callbacks;
                QVERIFY(j.callbackDelayNs() >= 0);
            }
            if (j.api == ApiKind::BlockingCallFromThread)
                QVERIFY(j.blockedNs > 0);
        }
        QCOMPARE(deferred, 24);
        QCOMPARE(callbacks, 24);
        QVERIFY(!d.lanes().empty());
        for (std::size_t li = 0; li < d.lanes().size(); ++li) {
            const WorkerLane& lane = d.lanes()[li];
            QVERIFY(lane.threadName.startsWith(QStringLiteral("PoolThread-qtwisted.reactor-")));
            QVERIFY(lane.createdNs != kNoTime);
            const auto jobs = lane.jobs.all();
            for (std::size_t k = 1; k < jobs.size(); ++k)
                QVERIFY2(jobs[k].startNs >= jobs[k - 1].endNs, "one thread runs one job at a time");
        }
        const PoolSeries* p = d.pool(poolId);
        QVERIFY(p);
        QCOMPARE(p->maxThreads.valueAt(d.latestNs()), std::int64_t { 3 });
        QCOMPARE(p->backlog.valueAt(d.latestNs()), std::int64_t { 0 });
        QCOMPARE(p->busy.valueAt(d.latestNs()), std::int64_t { 0 });
        for (const StepPoint& pt : p->busy.points())
            QVERIFY(pt.value >= 0 && pt.value <= p->maxThreads.valueAt(pt.timeNs));
        for (const StepPoint& pt : p->backlog.points())
            QVERIFY(pt.value >= 0);
        const RangeStats s = d.stats(d.earliestNs(), d.latestNs());
        QCOMPARE(s.jobsEnded, std::int64_t { 25 }); // 24 deferred + the callInThread
        QCOMPARE(s.run.count, std::int64_t { 25 });
        QVERIFY(s.reactorBusyNs > 0);

        TraceData once;
        once.setInitialPoolSize(poolId, 5, 10);
        once.append(events);
        QVERIFY(once.sameContent(d));
    }

    void changeLogListsRowsChangedAfterTheirBatch()
    {
        TraceData d;
        d.append(std::vector<TraceEvent> { ev(K::JobQueued, 0, 1), ev(K::JobQueued, 1, 2) });
        const std::size_t mark = d.changeCount();
        d.append(
            std::vector<TraceEvent> { ev(K::JobStarted, 2, 2, 0), ev(K::JobQueued, 3, 3), ev(K::JobStarted, 4, 3, 0) });
        const auto changed = d.changedRowsSince(mark);
        QCOMPARE(std::vector<std::uint32_t>(changed.begin(), changed.end()), std::vector<std::uint32_t> { 1 });
        const auto epoch = d.epoch();
        d.clear();
        QVERIFY(d.epoch() != epoch);
        QCOMPARE(d.jobs().size(), std::size_t { 0 });
    }

    void jobStatusesFollowEveryChange()
    {
        TraceData d;
        QVERIFY(d.jobStatuses().empty());
        d.append(std::vector<TraceEvent> { ev(K::JobQueued, 0, 1), ev(K::JobQueued, 1, 2), ev(K::JobQueued, 1, 3) });
        auto statusOf
            = [&d](std::uint64_t id) { return d.jobStatuses()[static_cast<std::size_t>(d.findJob(syn(), id))]; };
        QCOMPARE(d.jobStatuses().size(), std::size_t { 3 });
        QCOMPARE(statusOf(1), JobStatus::Queued);
        // Rows of earlier batches change, and new rows come with their status of the end of their batch.
        d.append(std::vector<TraceEvent> { ev(K::JobStarted, 2, 1, 0), ev(K::JobStarted, 2, 2, 1),
            ev(K::JobFailed, 5, 2, 1, 3), ev(K::JobCancelled, 3, 3), ev(K::JobQueued, 4, 4), ev(K::JobStarted, 5, 4, 2),
            ev(K::JobFinished, 6, 4, 2, 1) });
        QCOMPARE(statusOf(1), JobStatus::Running);
        QCOMPARE(statusOf(2), JobStatus::Failed);
        QCOMPARE(statusOf(3), JobStatus::Cancelled);
        QCOMPARE(statusOf(4), JobStatus::Finished);
        d.append(std::vector<TraceEvent> { ev(K::JobFinished, 9, 1, 0, 7) });
        QCOMPARE(statusOf(1), JobStatus::Finished);
        // Always the records' own status, whatever the batching (here: the real run, one event at a time).
        TraceRecorder recorder;
        const std::vector<TraceEvent> events = recordRealRun(recorder, 8);
        TraceData real;
        for (const TraceEvent& e : events)
            real.append(std::vector<TraceEvent> { e });
        QCOMPARE(real.jobStatuses().size(), real.jobs().size());
        for (std::size_t row = 0; row < real.jobs().size(); ++row)
            QCOMPARE(real.jobStatuses()[row], real.jobs()[row].status);
        d.clear();
        QVERIFY(d.jobStatuses().empty());
    }

    void laneOrderIsByPoolThenWorkerThenCreation()
    {
        const QString a = QStringLiteral("order-a");
        const QString b = QStringLiteral("order-b"); // interned after "order-a": a smaller pool id sorts first
        const std::uint32_t poolA = TraceStrings::intern(a);
        const std::uint32_t poolB = TraceStrings::intern(b);
        QVERIFY(poolA < poolB);
        TraceData d;
        // Threads start in any order; b's lanes arrive first.
        d.append(std::vector<TraceEvent> {
            ev(K::WorkerCreated, 1, 0, 1, 0, ApiKind::CallInThread, b),
            ev(K::WorkerCreated, 2, 0, 2, 0, ApiKind::CallInThread, a),
            ev(K::WorkerCreated, 3, 0, 0, 0, ApiKind::CallInThread, b),
            ev(K::WorkerCreated, 4, 0, 0, 0, ApiKind::CallInThread, a),
        });
        auto lanesInOrder = [&d] {
            std::vector<std::pair<std::uint32_t, std::int32_t>> out;
            for (const std::int32_t lane : d.laneOrder()) {
                const WorkerLane& l = d.lanes()[static_cast<std::size_t>(lane)];
                out.emplace_back(l.poolId, l.worker);
            }
            return out;
        };
        using Lanes = std::vector<std::pair<std::uint32_t, std::int32_t>>;
        QCOMPARE(lanesInOrder(), (Lanes { { poolA, 0 }, { poolA, 2 }, { poolB, 0 }, { poolB, 1 } }));
        // A lane that appears later (a job on a thread never announced) takes its place, not the end.
        d.append(std::vector<TraceEvent> { ev(K::JobStarted, 5, 1, 1, 0, ApiKind::CallInThread, a) });
        QCOMPARE(lanesInOrder(), (Lanes { { poolA, 0 }, { poolA, 1 }, { poolA, 2 }, { poolB, 0 }, { poolB, 1 } }));
        QCOMPARE(d.laneOrder().size(), d.lanes().size());
        d.clear();
        QVERIFY(d.laneOrder().empty());
    }

    void laneOrderDoesNotDependOnArrivalOrder()
    {
        const QString p = QStringLiteral("order-p");
        std::vector<TraceEvent> events;
        for (std::int32_t w = 0; w < 6; ++w) {
            events.push_back(ev(K::WorkerCreated, 10 - w, 0, w, 0, ApiKind::CallInThread, p));
            events.push_back(
                ev(K::JobStarted, 20 + w, static_cast<std::uint64_t>(w) + 1, w, 0, ApiKind::CallInThread, p));
        }
        std::mt19937 rng(11);
        for (int round = 0; round < 10; ++round) {
            std::shuffle(events.begin(), events.end(), rng);
            TraceData d;
            for (std::size_t i = 0; i < events.size(); i += 4)
                d.append(std::vector<TraceEvent>(events.begin() + static_cast<std::ptrdiff_t>(i),
                    events.begin() + static_cast<std::ptrdiff_t>(std::min(i + 4, events.size()))));
            std::vector<std::int32_t> workers;
            for (const std::int32_t lane : d.laneOrder())
                workers.push_back(d.lanes()[static_cast<std::size_t>(lane)].worker);
            QCOMPARE(workers, (std::vector<std::int32_t> { 0, 1, 2, 3, 4, 5 }));
        }
    }

    /// The job index grows a little at a time (each new job moves a few slots of the old table): every job is found
    /// in every batch, and an event for an old job arriving mid-migration updates its row rather than adding one.
    void theIndexGrowsWithoutLosingAJob()
    {
        TraceData d;
        constexpr std::uint64_t kJobs = 70'000; // several growths: 1024, 2048, ... 262144 slots
        std::vector<TraceEvent> batch;
        for (std::uint64_t id = 1; id <= kJobs; ++id) {
            batch.push_back(ev(K::JobQueued, static_cast<std::int64_t>(id), id));
            if (id % 997 == 0 || id == kJobs) {
                // the oldest job still queued of this batch's era starts now: found, not added
                const std::uint64_t old = id / 2;
                batch.push_back(ev(K::JobStarted, static_cast<std::int64_t>(id), old, 0));
                d.append(batch);
                batch.clear();
                QCOMPARE(d.jobs().size(), static_cast<std::size_t>(id));
                for (const std::uint64_t probe : { std::uint64_t { 1 }, old, id / 3 + 1, id }) {
                    const std::int32_t row = d.findJob(syn(), probe);
                    QVERIFY2(row >= 0, qPrintable(QString::number(probe)));
                    QCOMPARE(d.jobs()[static_cast<std::size_t>(row)].id, probe);
                }
                QCOMPARE(d.jobs()[static_cast<std::size_t>(d.findJob(syn(), old))].status, JobStatus::Running);
            }
        }
        for (std::uint64_t id = 1; id <= kJobs; ++id)
            QCOMPARE(d.jobs()[static_cast<std::size_t>(d.findJob(syn(), id))].id, id);
        QCOMPARE(d.findJob(syn(), kJobs + 1), -1);
        QCOMPARE(d.findJob(syn(), 5, true), -1); // the reactor side is another key
        // A copy holds the same (FlatArray copies what the vector did).
        const TraceData copy = d;
        QVERIFY(copy.sameContent(d));
        QCOMPARE(copy.findJob(syn(), 4242), d.findJob(syn(), 4242));
    }

    /// FlatArray: contents survive growth past the size from which it maps pages (1 MiB) and remaps them.
    void flatArrayKeepsItsContentsAcrossGrowth()
    {
        detail::FlatArray<std::uint64_t> a;
        for (std::uint64_t i = 0; i < 600'000; ++i) // 4.8 MB: malloc, then mapped, then remapped
            a.push_back(i * 3);
        QCOMPARE(a.size(), std::size_t { 600'000 });
        bool same = true;
        for (std::uint64_t i = 0; i < a.size(); ++i)
            same = same && a[i] == i * 3;
        QVERIFY(same);
        a.insert(a.begin() + 1, 7);
        QCOMPARE(a[0], std::uint64_t { 0 });
        QCOMPARE(a[1], std::uint64_t { 7 });
        QCOMPARE(a[2], std::uint64_t { 3 });
        QCOMPARE(a.back(), std::uint64_t { 599'999 * 3 });
        detail::FlatArray<std::uint64_t> b = a;
        QVERIFY(b == a);
        b[5] = 1;
        QVERIFY(!(b == a));
        detail::FlatArray<std::uint64_t> moved = std::move(b);
        QCOMPARE(moved.size(), a.size());
        QVERIFY(b.empty()); // NOLINT(bugprone-use-after-move,hicpp-invalid-access-moved): moved-from is empty
        detail::FlatArray<std::uint64_t> zeros;
        zeros.assignZeroed(1 << 20);
        QVERIFY(std::all_of(zeros.begin(), zeros.end(), [](std::uint64_t v) { return v == 0; }));
        zeros.clear();
        QVERIFY(zeros.empty());
    }
};

QTEST_GUILESS_MAIN(TestTraceData)
#include "tst_tracedata.moc"
