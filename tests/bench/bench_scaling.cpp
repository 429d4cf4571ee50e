// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// How cost grows with size (docs/benchmarks.md): cost per operation and memory per item as N goes 10^3 .. 10^6, for
// pending callLater timers, Deferred chains (length and depth), a pool's backlog, the recorder and TraceData, the job
// table and the timeline. Each row should stay flat (or grow like log N) per operation.
//   bench_scaling [--quick] [--reps N] [--sizes 1000,10000] [--only timers,deferred,...] [--json FILE]
//   bench_scaling --session-test [--jobs N]   a Thread Lab session of 10^6 jobs must stay within kSessionBoundBytes
#include <qtwisted/deferred.h>
#include <qtwisted/inspect/detail/flatarray.h>
#include <qtwisted/inspect/jobtablemodel.h>
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/reactor.h>
#include <qtwisted/threadpool.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineview.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QSortFilterProxyModel>
#include <QSysInfo>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <malloc.h>
#include <map>
#include <numeric>
#include <random>
#include <semaphore>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace qtwisted;
using Clock = std::chrono::steady_clock;

namespace {

/// What a Thread Lab session may keep per recorded job: TraceData's share (the recorder's ring is fixed). About 250
/// bytes a job when its vectors are full, up to twice that just after they doubled (docs/benchmarks.md, "How cost
/// grows with size").
constexpr double kSessionBoundBytes = 512.0;
constexpr std::int64_t kOrigin = 1'000'000'000'000;
constexpr std::int64_t kStepNs = 10'000; ///< a synthetic job starts every 10 µs: 10^6 jobs span 10 s
constexpr int kLanes = 16;
constexpr std::size_t kBatchEvents = 4096;

double nsSince(Clock::time_point t0, Clock::time_point t1)
{
    return std::chrono::duration<double, std::nano>(t1 - t0).count();
}

/// Bytes malloc has handed out and not taken back, mmapped blocks included (all arenas), plus the large blocks that
/// TraceData maps itself (detail::FlatArray; malloc's statistics do not see them).
double heapBytes()
{
    const struct mallinfo2 m = mallinfo2();
    return static_cast<double>(m.uordblks + m.hblkhd + qtwisted::detail::flatArrayMappedBytes());
}

double rssBytes()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = f.readAll().split(' ');
    return fields.size() > 1 ? fields[1].toDouble() * static_cast<double>(sysconf(_SC_PAGESIZE)) : 0;
}

double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

/// One curve: a value per N, each the median over the repetitions.
struct Row {
    QString key;
    QString what;
    QString unit; ///< "ns/op", "bytes/item", "ms/paint", "events"
    std::map<std::size_t, std::vector<double>> samples;
    std::map<std::size_t, QString> skipped;
};

class Results {
public:
    Row& row(const QString& key, const QString& what, const QString& unit)
    {
        for (Row& r : m_rows) {
            if (r.key == key)
                return r;
        }
        m_rows.push_back(Row { key, what, unit, {}, {} });
        return m_rows.back();
    }
    void add(const QString& key, const QString& what, const QString& unit, std::size_t n, double value)
    {
        row(key, what, unit).samples[n].push_back(value);
    }
    std::vector<Row>& rows() { return m_rows; }

private:
    std::vector<Row> m_rows;
};

// ---- runtime ----------------------------------------------------------------------------------------------------

/// N timers pending in a running reactor: schedule them (random due times far ahead), cancel them in random order;
/// then N more due within 1 ms, fired by the reactor.
void measureTimers(Results& out, std::size_t n)
{
    Reactor reactor;
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> far(1000.0, 2000.0);
    std::uniform_real_distribution<double> soon(0.0, 0.001);
    std::vector<DelayedCall> calls;
    calls.reserve(n);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t { 0 });
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<double> delays(n);
    for (double& d : delays)
        d = far(rng);
    std::size_t fired = 0;
    Clock::time_point firstFire;
    Clock::time_point lastFire;
    reactor.callWhenRunning([&] {
        const double heap0 = heapBytes();
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < n; ++i)
            calls.push_back(reactor.callLater(delays[i], [] {}));
        const auto t1 = Clock::now();
        const double heap1 = heapBytes();
        for (std::size_t i : order)
            calls[i].cancel();
        const auto t2 = Clock::now();
        calls.clear();
        out.add(QStringLiteral("timers.schedule"), QStringLiteral("callLater, N pending"), QStringLiteral("ns/op"), n,
            nsSince(t0, t1) / static_cast<double>(n));
        out.add(QStringLiteral("timers.cancel"), QStringLiteral("DelayedCall::cancel, N pending"),
            QStringLiteral("ns/op"), n, nsSince(t1, t2) / static_cast<double>(n));
        out.add(QStringLiteral("timers.bytes"), QStringLiteral("a pending callLater timer"),
            QStringLiteral("bytes/item"), n, (heap1 - heap0) / static_cast<double>(n));
        for (std::size_t i = 0; i < n; ++i) {
            reactor.callLater(soon(rng), [&] {
                const auto now = Clock::now();
                if (fired++ == 0)
                    firstFire = now;
                if (fired == n) {
                    lastFire = now;
                    reactor.stop();
                }
            });
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2)); // all due: one wake-up runs them all
    });
    reactor.run();
    out.add(QStringLiteral("timers.fire"), QStringLiteral("timers firing, N due"), QStringLiteral("ns/op"), n,
        nsSince(firstFire, lastFire) / static_cast<double>(std::max<std::size_t>(1, n - 1)));
}

/// The control for the timers: a std::map alone (the timer queue's container), the same keys, inserted and erased
/// in the same orders. Where both grow alike, the growth is the memory hierarchy's, not the reactor's.
void measureMapControl(Results& out, std::size_t n)
{
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> far(1000.0, 2000.0);
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t { 0 });
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<std::pair<std::int64_t, std::uint64_t>> keys(n);
    for (std::size_t i = 0; i < n; ++i)
        keys[i] = { static_cast<std::int64_t>(far(rng) * 1e9), i };
    std::map<std::pair<std::int64_t, std::uint64_t>, std::shared_ptr<std::size_t>> map;
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < n; ++i)
        map.emplace(keys[i], std::make_shared<std::size_t>(i));
    const auto t1 = Clock::now();
    for (std::size_t i : order)
        map.erase(keys[i]);
    const auto t2 = Clock::now();
    if (!map.empty())
        qFatal("map control: %zu left", map.size());
    out.add(QStringLiteral("timers.control.insert"), QStringLiteral("control: std::map insert, the same keys"),
        QStringLiteral("ns/op"), n, nsSince(t0, t1) / static_cast<double>(n));
    out.add(QStringLiteral("timers.control.erase"), QStringLiteral("control: std::map erase, the same order"),
        QStringLiteral("ns/op"), n, nsSince(t1, t2) / static_cast<double>(n));
}

/// One Deferred with N callbacks: add them, then fire.
void measureDeferredChain(Results& out, std::size_t n)
{
    int result = -1;
    {
        Deferred<int> d;
        const double heap0 = heapBytes();
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i < n; ++i)
            d.addCallback([](int x) { return x + 1; });
        const auto t1 = Clock::now();
        const double heap1 = heapBytes();
        d.addCallback([&result](int x) { result = x; });
        const auto t2 = Clock::now();
        d.callback(0);
        const auto t3 = Clock::now();
        out.add(QStringLiteral("deferred.chain.add"), QStringLiteral("addCallback, chain of N"),
            QStringLiteral("ns/op"), n, nsSince(t0, t1) / static_cast<double>(n));
        out.add(QStringLiteral("deferred.chain.fire"), QStringLiteral("callback() through N callbacks"),
            QStringLiteral("ns/op"), n, nsSince(t2, t3) / static_cast<double>(n));
        out.add(QStringLiteral("deferred.chain.bytes"), QStringLiteral("a callback waiting in a chain"),
            QStringLiteral("bytes/item"), n, (heap1 - heap0) / static_cast<double>(n));
    }
    if (result != static_cast<int>(n))
        qFatal("deferred chain: %d, expected %zu", result, n);
}

/// N Deferreds, each one's callback returning the next, unfired: firing them in order nests N chains, each waiting
/// on the next; firing the innermost unwinds all N.
void measureDeferredDepth(Results& out, std::size_t n)
{
    int result = -1;
    {
        std::vector<Deferred<int>> ds(n);
        for (std::size_t i = 0; i + 1 < n; ++i)
            ds[i].addCallback([next = ds[i + 1]](int) { return next; });
        ds[0].addCallback([&result](int x) { result = x; });
        const double heap0 = heapBytes();
        const auto t0 = Clock::now();
        for (std::size_t i = 0; i + 1 < n; ++i)
            ds[i].callback(0);
        const auto t1 = Clock::now();
        const double heap1 = heapBytes();
        ds[n - 1].callback(7);
        const auto t2 = Clock::now();
        out.add(QStringLiteral("deferred.depth.nest"), QStringLiteral("a Deferred waiting on the next, depth N"),
            QStringLiteral("ns/op"), n, nsSince(t0, t1) / static_cast<double>(n));
        out.add(QStringLiteral("deferred.depth.unwind"), QStringLiteral("the innermost fires, N levels unwind"),
            QStringLiteral("ns/op"), n, nsSince(t1, t2) / static_cast<double>(n));
        out.add(QStringLiteral("deferred.depth.bytes"), QStringLiteral("a level of nested Deferreds (waiting)"),
            QStringLiteral("bytes/item"), n, (heap1 - heap0) / static_cast<double>(n));
    }
    if (result != 7)
        qFatal("deferred depth: %d, expected 7", result);
}

/// A 1-worker pool held by a blocked job: submit N jobs to its backlog, then release it and drain them.
void measureBacklog(Results& out, std::size_t n)
{
    ThreadPool pool(1, 1, QStringLiteral("scaling-backlog"));
    pool.start();
    std::atomic<bool> release { false };
    std::atomic<std::size_t> done { 0 };
    std::binary_semaphore allDone { 0 };
    pool.callInThread([&release] { release.wait(false); });
    while (pool.stats().busy != 1)
        std::this_thread::yield();
    const double heap0 = heapBytes();
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < n; ++i) {
        pool.callInThread([&done, &allDone, n] {
            if (done.fetch_add(1, std::memory_order_relaxed) + 1 == n)
                allDone.release();
        });
    }
    const auto t1 = Clock::now();
    const double heap1 = heapBytes();
    release.store(true);
    release.notify_one();
    allDone.acquire();
    const auto t2 = Clock::now();
    pool.stop();
    out.add(QStringLiteral("pool.submit"), QStringLiteral("callInThread onto a backlog of N"), QStringLiteral("ns/op"),
        n, nsSince(t0, t1) / static_cast<double>(n));
    out.add(QStringLiteral("pool.drain"), QStringLiteral("1 worker drains a backlog of N"), QStringLiteral("ns/op"), n,
        nsSince(t1, t2) / static_cast<double>(n));
    out.add(QStringLiteral("pool.bytes"), QStringLiteral("a job waiting in the backlog"), QStringLiteral("bytes/item"),
        n, (heap1 - heap0) / static_cast<double>(n));
}

// ---- Thread Lab's path: recorder -> TraceData ---------------------------------------------------------------------

struct Session {
    double nsPerJob = 0; ///< submit, run, record and drain, end to end
    double ingestNsPerJob = 0; ///< TraceData::append alone
    double heapPerJob = 0; ///< what the session keeps per job once drained (the recorder's ring excluded)
    double rssPerJob = 0;
    std::size_t jobs = 0; ///< recorded in the TraceData
    std::uint64_t dropped = 0;
};

/// N empty jobs through a 1-worker pool with a recorder attached, drained into a TraceData the way LabController
/// does (a batch of events at a time), the submitter draining between batches of jobs.
Session runSession(std::size_t n)
{
    TraceRecorder recorder; // the capacity LabController uses
    ThreadPool pool(1, 1, QStringLiteral("scaling-session"));
    recorder.attach(pool);
    pool.start();
    TraceData data;
    std::vector<TraceEvent> batch;
    batch.reserve(kBatchEvents * 16);
    std::size_t finished = 0;
    double ingestNs = 0;
    auto drain = [&] {
        while (recorder.drain(batch, kBatchEvents * 16) > 0) {
            finished += static_cast<std::size_t>(std::count_if(
                batch.begin(), batch.end(), [](const TraceEvent& e) { return e.kind == TraceEventKind::JobFinished; }));
            const auto a = Clock::now();
            data.append(batch);
            ingestNs += nsSince(a, Clock::now());
            batch.clear();
        }
    };
    const double heap0 = heapBytes();
    const double rss0 = rssBytes();
    const auto t0 = Clock::now();
    constexpr std::size_t kJobsPerBatch = 4096;
    for (std::size_t submitted = 0; submitted < n;) {
        const std::size_t upTo = std::min(n, submitted + kJobsPerBatch);
        for (; submitted < upTo; ++submitted)
            pool.callInThread([] {});
        drain();
    }
    while (finished + recorder.dropped() / 3 < n) {
        std::this_thread::yield();
        drain();
    }
    const auto t1 = Clock::now();
    Session s;
    s.jobs = data.jobs().size();
    s.dropped = recorder.dropped();
    s.nsPerJob = nsSince(t0, t1) / static_cast<double>(n);
    s.ingestNsPerJob = ingestNs / static_cast<double>(std::max<std::size_t>(1, s.jobs));
    s.heapPerJob = (heapBytes() - heap0) / static_cast<double>(std::max<std::size_t>(1, s.jobs));
    s.rssPerJob = (rssBytes() - rss0) / static_cast<double>(std::max<std::size_t>(1, s.jobs));
    recorder.detach(pool);
    pool.stop();
    return s;
}

void measureSession(Results& out, std::size_t n)
{
    const Session s = runSession(n);
    out.add(QStringLiteral("session.total"), QStringLiteral("recorded job, submit to drained (1 worker)"),
        QStringLiteral("ns/op"), n, s.nsPerJob);
    out.add(QStringLiteral("session.ingest"), QStringLiteral("TraceData::append of a recorded job"),
        QStringLiteral("ns/op"), n, s.ingestNsPerJob);
    out.add(QStringLiteral("session.bytes"), QStringLiteral("a recorded job, recorder -> TraceData (heap)"),
        QStringLiteral("bytes/item"), n, s.heapPerJob);
    out.add(QStringLiteral("session.rss"), QStringLiteral("a recorded job, recorder -> TraceData (RSS)"),
        QStringLiteral("bytes/item"), n, s.rssPerJob);
    out.add(QStringLiteral("session.dropped"), QStringLiteral("events the recorder dropped"), QStringLiteral("events"),
        n, static_cast<double>(s.dropped));
}

// ---- synthetic traces: TraceData, the job table, the timeline ------------------------------------------------------

struct Synthetic {
    std::uint32_t pool = TraceStrings::intern(QStringLiteral("scaling"));
    std::vector<std::uint32_t> labels;

    Synthetic()
    {
        for (int ms : { 5, 20, 100, 2000 })
            labels.push_back(TraceStrings::intern(QStringLiteral("sleep %1 ms").arg(ms)));
    }

    /// Job j of n: queued 1..50 µs before it starts at j * kStepNs on lane j % kLanes, runs 90 % of its lane's share.
    /// `sink` gets the events in time order, a batch at a time.
    void generate(std::size_t n, const std::function<void(std::span<const TraceEvent>)>& sink) const
    {
        std::vector<TraceEvent> events;
        events.reserve(kBatchEvents + 8);
        auto ev = [&](TraceEventKind kind, std::int64_t t, std::size_t job, std::int32_t worker) {
            TraceEvent e;
            e.kind = kind;
            e.timeNs = t;
            e.jobId = job + 1;
            e.poolId = pool;
            e.labelId = labels[job % labels.size()];
            e.worker = worker;
            e.api = job % 5 == 0 ? ApiKind::DeferToThread : ApiKind::CallInThread;
            return e;
        };
        const std::int64_t run = kStepNs * kLanes * 9 / 10;
        for (std::int32_t w = 0; w < kLanes; ++w) {
            TraceEvent e = ev(TraceEventKind::WorkerCreated, kOrigin - kStepNs, 0, w);
            e.jobId = 0;
            e.labelId = 0;
            events.push_back(e);
        }
        for (std::size_t j = 0; j < n + static_cast<std::size_t>(kLanes); ++j) {
            const std::int64_t start = kOrigin + static_cast<std::int64_t>(j) * kStepNs;
            if (j >= static_cast<std::size_t>(kLanes)) { // the job that started kLanes steps ago ends
                const std::size_t k = j - static_cast<std::size_t>(kLanes);
                TraceEvent f = ev(TraceEventKind::JobFinished, kOrigin + static_cast<std::int64_t>(k) * kStepNs + run,
                    k, static_cast<std::int32_t>(k % static_cast<std::size_t>(kLanes)));
                f.durationNs = run;
                events.push_back(f);
            }
            if (j < n) {
                events.push_back(
                    ev(TraceEventKind::JobQueued, start - 1000 - static_cast<std::int64_t>(j % 50) * 1000, j, -1));
                events.push_back(ev(TraceEventKind::JobStarted, start, j,
                    static_cast<std::int32_t>(j % static_cast<std::size_t>(kLanes))));
            }
            if (events.size() >= kBatchEvents) {
                sink(events);
                events.clear();
            }
        }
        if (!events.empty())
            sink(events);
    }
};

/// Ingests a synthetic trace of N jobs; returns the ns spent in append() per job, `heapPerJob` what it keeps.
double ingest(const Synthetic& syn, TraceData& data, std::size_t n, double* heapPerJob = nullptr,
    const std::function<void()>& afterAppend = {}, double* afterNs = nullptr)
{
    data.setInitialPoolSize(syn.pool, 0, kLanes);
    data.setTimeOrigin(kOrigin);
    double ns = 0;
    double after = 0;
    const double heap0 = heapBytes();
    syn.generate(n, [&](std::span<const TraceEvent> events) {
        const auto t0 = Clock::now();
        data.append(events);
        const auto t1 = Clock::now();
        ns += nsSince(t0, t1);
        if (afterAppend) {
            afterAppend();
            after += nsSince(t1, Clock::now());
        }
    });
    if (heapPerJob)
        *heapPerJob = (heapBytes() - heap0) / static_cast<double>(n);
    if (afterNs)
        *afterNs = after;
    return ns / static_cast<double>(n);
}

void measureTraceData(Results& out, const Synthetic& syn, std::size_t n)
{
    TraceData data;
    double bytes = 0;
    const double ns = ingest(syn, data, n, &bytes);
    if (data.jobs().size() != n)
        qFatal("synthetic trace: %zu jobs, expected %zu", data.jobs().size(), n);
    out.add(QStringLiteral("tracedata.ingest"), QStringLiteral("TraceData::append, a job's 3 events"),
        QStringLiteral("ns/op"), n, ns);
    out.add(QStringLiteral("tracedata.bytes"), QStringLiteral("a job in TraceData (synthetic, 16 lanes)"),
        QStringLiteral("bytes/item"), n, bytes);
}

void measureJobTable(Results& out, const Synthetic& syn, TraceData& full, std::size_t n)
{
    const auto dn = static_cast<double>(n);
    {
        // Live, as Thread Lab: append a batch, refresh(); the panel's sorted proxy on top.
        TraceData data;
        JobTableModel model(&data);
        QSortFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        proxy.setSortRole(JobTableModel::SortRole);
        proxy.sort(JobTableModel::IdColumn, Qt::AscendingOrder);
        double refreshNs = 0;
        ingest(
            syn, data, n, nullptr, [&model] { model.refresh(); }, &refreshNs);
        if (model.rowCount() != static_cast<int>(n) || proxy.rowCount() != static_cast<int>(n))
            qFatal("job table: %d rows, expected %zu", model.rowCount(), n);
        out.add(QStringLiteral("jobtable.refresh"), QStringLiteral("JobTableModel::refresh, sorted proxy (live)"),
            QStringLiteral("ns/op"), n, refreshNs / dn);
    }
    const auto t0 = Clock::now();
    JobTableModel model(&full);
    const auto t1 = Clock::now();
    out.add(QStringLiteral("jobtable.build"), QStringLiteral("JobTableModel over N jobs"), QStringLiteral("ns/op"), n,
        nsSince(t0, t1) / dn);
    // The rows a window shows: 40 around the middle, every column, as a view asks for them.
    constexpr int kVisible = 40;
    const int first = std::max(0, static_cast<int>(n / 2) - kVisible / 2);
    std::size_t calls = 0;
    qsizetype chars = 0;
    const auto t2 = Clock::now();
    for (int pass = 0; pass < 20; ++pass) {
        for (int r = first; r < std::min(model.rowCount(), first + kVisible); ++r) {
            for (int c = 0; c < JobTableModel::ColumnCount; ++c) {
                chars += model.data(model.index(r, c)).toString().size();
                ++calls;
            }
        }
    }
    const auto t3 = Clock::now();
    if (chars == 0)
        qFatal("job table: empty cells");
    out.add(QStringLiteral("jobtable.data"), QStringLiteral("data() of the visible rows"), QStringLiteral("ns/op"), n,
        nsSince(t2, t3) / static_cast<double>(calls));
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(JobTableModel::SortRole);
    const auto t4 = Clock::now();
    proxy.sort(JobTableModel::LabelColumn, Qt::AscendingOrder);
    const auto t5 = Clock::now();
    proxy.sort(JobTableModel::WaitedColumn, Qt::DescendingOrder);
    const auto t6 = Clock::now();
    out.add(QStringLiteral("jobtable.sort.label"), QStringLiteral("sort by label (proxy)"), QStringLiteral("ns/op"), n,
        nsSince(t4, t5) / dn);
    out.add(QStringLiteral("jobtable.sort.waited"), QStringLiteral("sort by wait (proxy)"), QStringLiteral("ns/op"), n,
        nsSince(t5, t6) / dn);
}

void measureTimeline(Results& out, const TraceData& data, std::size_t n, int paints)
{
    TimelineView view;
    view.resize(1920, 1080);
    view.setTraceData(&data, false); // an imported trace: all of it in view
    QImage image(1920, 1080, QImage::Format_ARGB32_Premultiplied);
    auto paintMs = [&] {
        std::vector<double> ms;
        for (int i = 0; i < paints + 3; ++i) {
            const auto t0 = Clock::now();
            {
                QPainter painter(&image);
                view.render(&painter);
            }
            if (i >= 3) // warm-up: caches, first allocations
                ms.push_back(nsSince(t0, Clock::now()) / 1e6);
        }
        return median(ms);
    };
    out.add(QStringLiteral("timeline.paint"), QStringLiteral("timeline paint, N jobs in view (1920x1080)"),
        QStringLiteral("ms/paint"), n, paintMs());
    const std::int64_t span = static_cast<std::int64_t>(n) * kStepNs;
    view.zoomTo(kOrigin + span / 2, kOrigin + span / 2 + span / 10);
    out.add(QStringLiteral("timeline.paint.zoomed"), QStringLiteral("timeline paint, N/10 jobs in view"),
        QStringLiteral("ms/paint"), n, paintMs());
}

// ---- output -------------------------------------------------------------------------------------------------------

QString sizeName(std::size_t n)
{
    int e = 0;
    std::size_t v = n;
    for (; v >= 10 && v % 10 == 0; v /= 10)
        ++e;
    return v == 1 ? QStringLiteral("1e%1").arg(e) : QString::number(n);
}

void printTable(std::vector<Row>& rows, const std::vector<std::size_t>& sizes)
{
    std::printf("\n%-24s %-46s %-10s", "key", "what", "unit");
    for (std::size_t n : sizes)
        std::printf(" %10s", qPrintable(QStringLiteral("N=") + sizeName(n)));
    std::printf(" %8s\n", "last/1st");
    for (Row& r : rows) {
        std::printf("%-24s %-46s %-10s", qPrintable(r.key), qPrintable(r.what.left(46)), qPrintable(r.unit));
        double firstValue = 0;
        double lastValue = 0;
        for (std::size_t n : sizes) {
            if (!r.samples.contains(n)) {
                std::printf(" %10s", "-");
                continue;
            }
            const double v = median(r.samples[n]);
            if (firstValue == 0)
                firstValue = v;
            lastValue = v;
            std::printf(" %10.4g", v);
        }
        if (firstValue != 0)
            std::printf(" %8.2f\n", lastValue / firstValue);
        else
            std::printf(" %8s\n", "-");
    }
}

QJsonObject toJson(std::vector<Row>& rows, const std::vector<std::size_t>& sizes, int reps, bool quick)
{
    QJsonArray jsonRows;
    for (Row& r : rows) {
        QJsonObject values;
        QJsonObject all;
        for (auto& [n, samples] : r.samples) {
            values.insert(QString::number(n), median(samples));
            QJsonArray a;
            for (double v : samples)
                a.append(v);
            all.insert(QString::number(n), a);
        }
        jsonRows.append(QJsonObject { { QStringLiteral("key"), r.key }, { QStringLiteral("what"), r.what },
            { QStringLiteral("unit"), r.unit }, { QStringLiteral("median"), values },
            { QStringLiteral("samples"), all } });
    }
    QJsonArray jsonSizes;
    for (std::size_t n : sizes)
        jsonSizes.append(static_cast<double>(n));
    return QJsonObject { { QStringLiteral("bench"), QStringLiteral("bench_scaling") },
        { QStringLiteral("date"), QDateTime::currentDateTimeUtc().toString(Qt::ISODate) },
        { QStringLiteral("machine"), QSysInfo::prettyProductName() },
        { QStringLiteral("cpus"), static_cast<int>(std::thread::hardware_concurrency()) },
        { QStringLiteral("reps"), reps }, { QStringLiteral("quick"), quick }, { QStringLiteral("sizes"), jsonSizes },
        { QStringLiteral("sessionBoundBytesPerJob"), kSessionBoundBytes }, { QStringLiteral("rows"), jsonRows } };
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("N = 10^3 and 10^4 only, 3 repetitions."));
    const QCommandLineOption repsOption(
        QStringLiteral("reps"), QStringLiteral("Repetitions per size (default 5; 3 at 10^6)."), QStringLiteral("N"));
    const QCommandLineOption sizesOption(
        QStringLiteral("sizes"), QStringLiteral("Comma-separated sizes (default 10^3..10^6)."), QStringLiteral("list"));
    const QCommandLineOption onlyOption(QStringLiteral("only"),
        QStringLiteral("Groups: timers, deferred, pool, session, tracedata, jobtable, timeline."),
        QStringLiteral("list"));
    const QCommandLineOption jsonOption(
        QStringLiteral("json"), QStringLiteral("Write the results as JSON to this file."), QStringLiteral("file"));
    const QCommandLineOption sessionTest(QStringLiteral("session-test"),
        QStringLiteral("Only the Thread Lab session (recorder -> TraceData, 10^6 jobs): fail above the bound."));
    const QCommandLineOption jobsOption(
        QStringLiteral("jobs"), QStringLiteral("Jobs for --session-test (default 10^6)."), QStringLiteral("N"));
    parser.addOptions({ quick, repsOption, sizesOption, onlyOption, jsonOption, sessionTest, jobsOption });
    parser.process(app);

    if (parser.isSet(sessionTest)) {
        const std::size_t n = parser.isSet(jobsOption) ? parser.value(jobsOption).toULongLong() : 1'000'000;
        const Session s = runSession(n);
        const bool ok = s.heapPerJob <= kSessionBoundBytes && s.jobs > 0;
        std::printf("Thread Lab session, %zu jobs submitted, %zu recorded (%llu events dropped): %.0f ns/job, "
                    "TraceData::append %.0f ns/job; kept %.1f bytes/job on the heap (bound %.0f), RSS +%.1f bytes/job: "
                    "%s\n",
            n, s.jobs, static_cast<unsigned long long>(s.dropped), s.nsPerJob, s.ingestNsPerJob, s.heapPerJob,
            kSessionBoundBytes, s.rssPerJob, ok ? "within the bound" : "ABOVE THE BOUND");
        return ok ? 0 : 1;
    }

    const bool isQuick = parser.isSet(quick);
    std::vector<std::size_t> sizes = isQuick ? std::vector<std::size_t> { 1'000, 10'000 }
                                             : std::vector<std::size_t> { 1'000, 10'000, 100'000, 1'000'000 };
    if (parser.isSet(sizesOption)) {
        sizes.clear();
        for (const QString& s : parser.value(sizesOption).split(QLatin1Char(',')))
            sizes.push_back(s.toULongLong());
    }
    const int reps = parser.isSet(repsOption) ? parser.value(repsOption).toInt() : isQuick ? 3 : 5;
    const QStringList only = parser.value(onlyOption).split(QLatin1Char(','), Qt::SkipEmptyParts);
    auto wanted = [&only](const char* group) { return only.isEmpty() || only.contains(QLatin1String(group)); };
    if (reps < 1 || std::find(sizes.begin(), sizes.end(), std::size_t { 0 }) != sizes.end()) {
        std::fprintf(stderr, "bench_scaling: --reps and --sizes must be positive\n");
        return 2;
    }

    Results results;
    const Synthetic syn;
    for (std::size_t n : sizes) {
        const int r = n >= 1'000'000 ? std::min(reps, 3) : reps;
        std::printf("N = %zu (%d repetitions)\n", n, r);
        std::fflush(stdout);
        for (int i = 0; i < r; ++i) {
            if (wanted("timers")) {
                measureTimers(results, n);
                measureMapControl(results, n);
            }
            if (wanted("deferred")) {
                measureDeferredChain(results, n);
                measureDeferredDepth(results, n);
            }
            if (wanted("pool"))
                measureBacklog(results, n);
            if (wanted("session"))
                measureSession(results, n);
            if (wanted("tracedata"))
                measureTraceData(results, syn, n);
        }
        if (wanted("jobtable") || wanted("timeline")) {
            TraceData data;
            ingest(syn, data, n);
            for (int i = 0; i < r; ++i) {
                if (wanted("jobtable"))
                    measureJobTable(results, syn, data, n);
            }
            if (wanted("timeline"))
                measureTimeline(results, data, n, isQuick ? 5 : 15);
        }
    }
    printTable(results.rows(), sizes);

    if (parser.isSet(jsonOption)) {
        QFile file(parser.value(jsonOption));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
            std::fprintf(stderr, "bench_scaling: cannot write %s\n", qPrintable(parser.value(jsonOption)));
            return 2;
        }
        file.write(QJsonDocument(toJson(results.rows(), sizes, reps, isQuick)).toJson());
    }
    return 0;
}
