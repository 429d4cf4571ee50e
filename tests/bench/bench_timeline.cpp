// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// Paint time of Thread Lab's timeline (docs/benchmarks.md: a 1920×1080 view with 10 000 jobs visible, p95 ≤ 4 ms),
// offscreen.
//   bench_timeline [--quick] [--paints N] [--jobs N] [--workers N] [--png view.png] [--pngs DIR]
#include <qtwisted/inspect/tracedata.h>
#include <qtwisted/trace.h>
#include <qtwisted/ui/timelineview.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QImage>
#include <QPainter>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

using namespace qtwisted;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t kOrigin = 1'000'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

TraceEvent event(TraceEventKind kind, std::int64_t t, std::uint64_t job, std::int32_t worker, std::uint32_t pool,
    std::uint32_t label = 0, std::int64_t duration = 0)
{
    TraceEvent e;
    e.kind = kind;
    e.timeNs = t;
    e.jobId = job;
    e.worker = worker;
    e.poolId = pool;
    e.labelId = label;
    e.durationNs = duration;
    return e;
}

/// `jobs` jobs spread over `workers` lanes within 10 s: back-to-back sleeps of 1..5 % of a lane's share, a deferred
/// callback for every fourth, a resize a second, a few stalls — a busy pool as the timeline sees it.
TraceData syntheticTrace(int jobs, int workers)
{
    std::mt19937 rng(42);
    const std::uint32_t pool = TraceStrings::intern(QStringLiteral("bench"));
    const std::uint32_t reactorPool = TraceStrings::intern(QStringLiteral("qtwisted.reactor"));
    std::vector<std::uint32_t> labels;
    for (int ms : { 100, 200, 500, 2000 })
        labels.push_back(TraceStrings::intern(QStringLiteral("sleep %1 ms").arg(ms)));
    std::vector<TraceEvent> events;
    events.reserve(static_cast<std::size_t>(jobs) * 4 + 1000);
    for (int w = 0; w < workers; ++w)
        events.push_back(event(TraceEventKind::WorkerCreated, kOrigin + w * kMs, 0, w, pool,
            TraceStrings::intern(QStringLiteral("PoolThread-bench-%1").arg(w))));
    const std::int64_t span = 10'000 * kMs;
    const std::int64_t perLane = span / std::max(1, jobs / workers);
    std::uniform_int_distribution<std::int64_t> jitter(perLane / 2, perLane * 3 / 2);
    std::uint64_t id = 1;
    for (int w = 0; w < workers; ++w) {
        std::int64_t t = kOrigin + 10 * kMs;
        for (int j = 0; j < jobs / workers; ++j, ++id) {
            const std::int64_t run = std::max<std::int64_t>(1000, jitter(rng) * 9 / 10);
            const std::uint32_t label = labels[id % labels.size()];
            const ApiKind api = id % 4 == 0 ? ApiKind::DeferToThread : ApiKind::CallInThread;
            TraceEvent q = event(TraceEventKind::JobQueued, t - 5 * kMs, id, -1, pool, label);
            q.api = api;
            TraceEvent s = event(TraceEventKind::JobStarted, t, id, w, pool, label);
            s.api = api;
            TraceEvent f = event(TraceEventKind::JobFinished, t + run, id, w, pool, label, run);
            f.api = api;
            events.insert(events.end(), { q, s, f });
            if (api == ApiKind::DeferToThread) {
                TraceEvent cb = event(TraceEventKind::CallbackRan, t + run + kMs / 5, id, -1, pool, 0, kMs / 10);
                cb.api = api;
                events.push_back(cb);
            }
            t += jitter(rng);
        }
    }
    for (int s = 1; s < 10; ++s) {
        TraceEvent r = event(TraceEventKind::PoolResized, kOrigin + s * kMs * 1000, 0, -1, pool);
        r.oldMin = 0;
        r.oldMax = workers + s - 1;
        r.newMin = 0;
        r.newMax = workers + s;
        events.push_back(r);
        events.push_back(
            event(TraceEventKind::ReactorStall, kOrigin + s * kMs * 1000 + 300 * kMs, 0, -1, reactorPool, 0, 40 * kMs));
    }
    std::sort(
        events.begin(), events.end(), [](const TraceEvent& a, const TraceEvent& b) { return a.timeNs < b.timeNs; });
    TraceData data;
    data.setInitialPoolSize(pool, 0, workers);
    data.setTimeOrigin(kOrigin);
    for (std::size_t i = 0; i < events.size(); i += 4096)
        data.append(std::span<const TraceEvent>(events).subspan(i, std::min<std::size_t>(4096, events.size() - i)));
    return data;
}

struct Result {
    double medianMs;
    double p95Ms;
    double maxMs;
};

Result measure(TimelineView& view, QImage& image, int paints)
{
    std::vector<double> ms;
    ms.reserve(static_cast<std::size_t>(paints));
    for (int i = 0; i < paints + 5; ++i) {
        const auto t0 = Clock::now();
        {
            QPainter painter(&image);
            view.render(&painter);
        }
        const auto t1 = Clock::now();
        if (i >= 5) // warm-up: glyph caches, first allocations
            ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    auto at = [&ms](double q) {
        return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))];
    };
    return { at(0.5), at(0.95), ms.back() };
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption quick(QStringLiteral("quick"), QStringLiteral("Fewer paints."));
    const QCommandLineOption paintsOption(
        QStringLiteral("paints"), QStringLiteral("Paints per variant (default 300)."), QStringLiteral("N"));
    const QCommandLineOption jobsOption(
        QStringLiteral("jobs"), QStringLiteral("Jobs visible (default 10000)."), QStringLiteral("N"));
    const QCommandLineOption workersOption(QStringLiteral("workers"),
        QStringLiteral("Only the view with N worker lanes (default: 4, 16 and 64)."), QStringLiteral("N"));
    const QCommandLineOption pngOption(QStringLiteral("png"),
        QStringLiteral("Save the 16-worker view to this file, to look at."), QStringLiteral("file"));
    const QCommandLineOption pngsOption(QStringLiteral("pngs"),
        QStringLiteral("Save every measured view, with a job selected, into this folder (to compare two builds)."),
        QStringLiteral("dir"));
    parser.addOptions({ quick, paintsOption, jobsOption, workersOption, pngOption, pngsOption });
    parser.process(app);
    const int paints = parser.isSet(paintsOption) ? parser.value(paintsOption).toInt() : parser.isSet(quick) ? 60 : 300;
    const int jobs = parser.isSet(jobsOption) ? parser.value(jobsOption).toInt() : 10'000;
    std::vector<int> workerCounts { 4, 16, 64 };
    if (parser.isSet(workersOption))
        workerCounts = { parser.value(workersOption).toInt() };
    if (paints < 1 || jobs < 1 || workerCounts.front() < 1) {
        std::fprintf(stderr, "bench_timeline: --paints, --jobs and --workers must be positive\n");
        return 2;
    }

    std::printf(
        "timeline paint, 1920x1080 offscreen QImage, %d jobs visible, %d paints per variant (target p95 <= 4 ms)\n",
        jobs, paints);
    bool ok = true;
    // Outside the measured paints: the same view with a job selected (its highlight drawn over the lanes).
    auto savePng = [&](TimelineView& view, QImage& image, int workers, const char* variant) {
        if (!parser.isSet(pngsOption))
            return;
        view.setSelectedRow(jobs / 2);
        {
            QPainter painter(&image);
            view.render(&painter);
        }
        view.setSelectedRow(-1);
        image.save(QStringLiteral("%1/timeline-%2-%3.png")
                       .arg(parser.value(pngsOption))
                       .arg(workers)
                       .arg(QLatin1String(variant)));
    };
    for (int workers : workerCounts) {
        const TraceData data = syntheticTrace(jobs, workers);
        TimelineView view;
        view.resize(1920, 1080);
        view.setTraceData(&data, false); // an imported trace: the whole 10 s are visible
        QImage image(1920, 1080, QImage::Format_ARGB32_Premultiplied);
        const Result all = measure(view, image, paints);
        savePng(view, image, workers, "all");
        // Zoomed to a tenth: fewer, wider bars, with labels.
        view.zoomTo(kOrigin + 4000 * kMs, kOrigin + 5000 * kMs);
        const Result zoomed = measure(view, image, paints);
        savePng(view, image, workers, "zoomed");
        std::printf("  %2d workers, all 10 s:   median %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", workers, all.medianMs,
            all.p95Ms, all.maxMs);
        std::printf("  %2d workers, 1 s zoomed: median %6.2f ms  p95 %6.2f ms  max %6.2f ms\n", workers,
            zoomed.medianMs, zoomed.p95Ms, zoomed.maxMs);
        ok = ok && all.p95Ms <= 4.0;
        if (workers == 16 && parser.isSet(pngOption)) {
            view.zoomBack();
            QPainter painter(&image);
            view.render(&painter);
            painter.end();
            image.save(parser.value(pngOption));
        }
    }
    std::printf("%s\n", ok ? "p95 within 4 ms for every 10 000-job view" : "p95 ABOVE 4 ms for some 10 000-job view");
    return 0;
}
