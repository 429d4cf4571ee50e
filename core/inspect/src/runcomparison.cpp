// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#include <qtwisted/inspect/runcomparison.h>

#include <QStringList>

#include <algorithm>
#include <limits>

namespace qtwisted {

RunSummary summarizeRun(const TraceData& data, std::int64_t fromNs, std::int64_t toNs)
{
    RunSummary s;
    std::int64_t first = std::numeric_limits<std::int64_t>::max();
    std::int64_t last = std::numeric_limits<std::int64_t>::min();
    for (const JobRecord& job : data.jobs()) {
        if (job.lane == JobRecord::kReactorLane || job.api == ApiKind::CallFromThread)
            continue; // the pool's jobs only: what a pool's makespan and waits are about
        const std::int64_t queued = job.queuedNs != kNoTime ? job.queuedNs : job.startedNs;
        if (queued == kNoTime || queued < fromNs || queued > toNs)
            continue; // no time to place it by (its events were dropped): not part of any run
        ++s.poolJobs;
        s.startNs = s.startNs == kNoTime ? queued : std::min(s.startNs, queued);
        if (job.status == JobStatus::Queued || job.status == JobStatus::Running)
            ++s.unfinished; // a run that hung (Twisted's blocking exhaustion) leaves them so
        if (job.status != JobStatus::Finished && job.status != JobStatus::Failed)
            continue;
        ++s.jobs;
        first = std::min(first, queued);
        last = std::max(last, job.endedNs);
    }
    if (s.unfinished > 0 && data.latestNs() != kNoTime) {
        // A run that never finished (it hung, and its trace was cut): measured to the end of its trace, a lower bound.
        s.finished = false;
        first = std::min(first, s.startNs);
        last = std::max(last, std::min(data.latestNs(), toNs));
    }
    if (last <= first)
        return s;
    s.makespanNs = last - first;
    s.throughputPerSecond = static_cast<double>(s.jobs) / (static_cast<double>(s.makespanNs) / 1e9);
    const RangeStats r = data.stats(first, last);
    s.waitP50Ns = r.wait.p50Ns;
    s.waitP95Ns = r.wait.p95Ns;
    s.runP50Ns = r.run.p50Ns;
    s.runP95Ns = r.run.p95Ns;
    if (!r.lanes.empty()) {
        double sum = 0;
        for (const LaneStats& lane : r.lanes)
            sum += lane.busyPercent;
        s.busyPercent = sum / static_cast<double>(r.lanes.size());
    }
    if (!data.pools().empty())
        s.peakBacklog = std::max<std::int64_t>(0, data.pools().front().backlog.maxIn(first, last));
    return s;
}

QList<RunComparisonRow> compareRuns(const RunSummary& a, const RunSummary& b)
{
    auto ms = [](std::int64_t ns) -> QString {
        return QString::number(static_cast<double>(ns) / 1e6, 'f', 2) + QStringLiteral(" ms");
    };
    auto ratio = [](double x, double y) -> QString {
        return x > 0 ? QString::number(y / x, 'f', 2) + QStringLiteral("x") : QStringLiteral("-");
    };
    return {
        { QStringLiteral("jobs"), QString::number(a.jobs), QString::number(b.jobs),
            ratio(static_cast<double>(a.jobs), static_cast<double>(b.jobs)) },
        { QStringLiteral("not ended"), QString::number(a.unfinished), QString::number(b.unfinished),
            ratio(static_cast<double>(a.unfinished), static_cast<double>(b.unfinished)) },
        { QStringLiteral("makespan"), (a.finished ? QString() : QStringLiteral("≥ ")) + ms(a.makespanNs),
            (b.finished ? QString() : QStringLiteral("≥ ")) + ms(b.makespanNs),
            ratio(static_cast<double>(a.makespanNs), static_cast<double>(b.makespanNs)) },
        { QStringLiteral("throughput"), QString::number(a.throughputPerSecond, 'f', 1) + QStringLiteral(" jobs/s"),
            QString::number(b.throughputPerSecond, 'f', 1) + QStringLiteral(" jobs/s"),
            ratio(a.throughputPerSecond, b.throughputPerSecond) },
        { QStringLiteral("wait p50"), ms(a.waitP50Ns), ms(b.waitP50Ns),
            ratio(static_cast<double>(a.waitP50Ns), static_cast<double>(b.waitP50Ns)) },
        { QStringLiteral("wait p95"), ms(a.waitP95Ns), ms(b.waitP95Ns),
            ratio(static_cast<double>(a.waitP95Ns), static_cast<double>(b.waitP95Ns)) },
        { QStringLiteral("run p50"), ms(a.runP50Ns), ms(b.runP50Ns),
            ratio(static_cast<double>(a.runP50Ns), static_cast<double>(b.runP50Ns)) },
        { QStringLiteral("run p95"), ms(a.runP95Ns), ms(b.runP95Ns),
            ratio(static_cast<double>(a.runP95Ns), static_cast<double>(b.runP95Ns)) },
        { QStringLiteral("busy"), QString::number(a.busyPercent, 'f', 1) + QStringLiteral(" %"),
            QString::number(b.busyPercent, 'f', 1) + QStringLiteral(" %"), ratio(a.busyPercent, b.busyPercent) },
        { QStringLiteral("peak backlog"), QString::number(a.peakBacklog), QString::number(b.peakBacklog),
            ratio(static_cast<double>(a.peakBacklog), static_cast<double>(b.peakBacklog)) },
    };
}

QString compareRunsTable(const RunSummary& a, const RunSummary& b, const QString& nameA, const QString& nameB)
{
    const int w0 = 14;
    int w1 = std::max<int>(20, static_cast<int>(nameA.size()));
    int w2 = std::max<int>(20, static_cast<int>(nameB.size()));
    QStringList lines;
    lines << QStringLiteral("%1 %2 %3 %4")
                 .arg(QStringLiteral("measure"), -w0)
                 .arg(nameA, -w1)
                 .arg(nameB, -w2)
                 .arg(QStringLiteral("B / A"));
    for (const RunComparisonRow& r : compareRuns(a, b))
        lines << QStringLiteral("%1 %2 %3 %4").arg(r.measure, -w0).arg(r.a, -w1).arg(r.b, -w2).arg(r.ratio);
    return lines.join(QLatin1Char('\n')) + QLatin1Char('\n');
}

} // namespace qtwisted
