// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// `thread-lab --compare A.json B.json`: what a run is summarised to, and the table of two runs (issue 18).
#include "tracetestutil.h"

#include <qtwisted/inspect/runcomparison.h>

#include <QTest>

using namespace qtwisted;
using tracetest::ev;
using tracetest::kMs;

namespace {

/// Two jobs queued at 0 on one worker: #1 runs 10..110 ms, #2 runs 110..310 ms.
TraceData twoJobs()
{
    TraceData data;
    data.append(std::vector<TraceEvent> {
        ev(TraceEventKind::JobQueued, 0, 1),
        ev(TraceEventKind::JobQueued, 0, 2),
        ev(TraceEventKind::JobStarted, 10, 1, 0),
        ev(TraceEventKind::JobFinished, 110, 1, 0, 100),
        ev(TraceEventKind::JobStarted, 110, 2, 0),
        ev(TraceEventKind::JobFinished, 310, 2, 0, 200),
    });
    return data;
}

} // namespace

class TestRunComparison : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void summarisesTheRunsPoolJobs()
    {
        const RunSummary s = summarizeRun(twoJobs());
        QCOMPARE(s.jobs, std::int64_t { 2 });
        QCOMPARE(s.makespanNs, 310 * kMs);
        QVERIFY(qFuzzyCompare(s.throughputPerSecond, 2.0 / 0.310));
        QCOMPARE(s.waitP95Ns, 110 * kMs);
        QCOMPARE(s.runP50Ns, 100 * kMs);
        QCOMPARE(s.runP95Ns, 200 * kMs);
        QCOMPARE(s.peakBacklog, std::int64_t { 2 });
        QVERIFY2(s.busyPercent > 96.0 && s.busyPercent < 97.5, qPrintable(QString::number(s.busyPercent)));
    }

    /// A recording that holds two runs (the window records everything): a range picks each out.
    void aRangePicksOneRunOutOfARecording()
    {
        TraceData data = twoJobs();
        data.append(std::vector<TraceEvent> {
            ev(TraceEventKind::JobQueued, 1000, 3),
            ev(TraceEventKind::JobStarted, 1000, 3, 0),
            ev(TraceEventKind::JobFinished, 1050, 3, 0, 50),
        });
        const RunSummary first = summarizeRun(data, 0, 500 * kMs);
        QCOMPARE(first.jobs, std::int64_t { 2 });
        QCOMPARE(first.makespanNs, 310 * kMs);
        const RunSummary second = summarizeRun(data, 500 * kMs, 2000 * kMs);
        QCOMPARE(second.jobs, std::int64_t { 1 });
        QCOMPARE(second.makespanNs, 50 * kMs);
        QCOMPARE(second.waitP95Ns, std::int64_t { 0 });
        QCOMPARE(summarizeRun(data).jobs, std::int64_t { 3 });
        QCOMPARE(summarizeRun(data).makespanNs, 1050 * kMs);
    }

    /// The rows the window's Compare tab shows are the table's.
    void theRowsAreTheTablesMeasures()
    {
        RunSummary a = summarizeRun(twoJobs());
        RunSummary b = a;
        b.jobs = 4;
        b.peakBacklog = 0;
        const QList<RunComparisonRow> rows = compareRuns(a, b);
        QCOMPARE(rows.size(), 10);
        QCOMPARE(rows.front().measure, QStringLiteral("jobs"));
        QCOMPARE(rows.front().a, QStringLiteral("2"));
        QCOMPARE(rows.front().b, QStringLiteral("4"));
        QCOMPARE(rows.front().ratio, QStringLiteral("2.00x"));
        QCOMPARE(rows.back().measure, QStringLiteral("peak backlog"));
        QCOMPARE(rows.back().ratio, QStringLiteral("0.00x"));
        RunSummary none;
        QCOMPARE(compareRuns(none, b).front().ratio, QStringLiteral("-"));
    }

    /// A run that hung (Twisted's blocking exhaustion): its jobs are counted, as not ended, and it is not empty.
    void aHungRunCountsWhatNeverEnded()
    {
        TraceData data;
        data.append(std::vector<TraceEvent> {
            ev(TraceEventKind::JobQueued, 0, 1),
            ev(TraceEventKind::JobQueued, 0, 2),
            ev(TraceEventKind::JobStarted, 10, 1, 0),
        });
        const RunSummary s = summarizeRun(data);
        QCOMPARE(s.poolJobs, std::int64_t { 2 });
        QCOMPARE(s.unfinished, std::int64_t { 2 });
        QCOMPARE(s.jobs, std::int64_t { 0 });
        // Measured to the end of its trace (10 ms), a lower bound: one worker busy from 10 ms, both jobs waiting.
        QVERIFY(!s.finished);
        QCOMPARE(s.makespanNs, 10 * kMs);
        QCOMPARE(s.peakBacklog, std::int64_t { 2 });
        const QList<RunComparisonRow> rows = compareRuns(summarizeRun(twoJobs()), s);
        QCOMPARE(rows.at(1).b, QStringLiteral("2"));
        QCOMPARE(rows.at(2).b, QStringLiteral("≥ 10.00 ms"));
        QCOMPARE(rows.at(2).a, QStringLiteral("310.00 ms"));
        QCOMPARE(summarizeRun(TraceData()).poolJobs, std::int64_t { 0 });
    }

    void anEmptyRunSummarisesToZeros()
    {
        const RunSummary s = summarizeRun(TraceData());
        QCOMPARE(s.jobs, std::int64_t { 0 });
        QCOMPARE(s.makespanNs, std::int64_t { 0 });
        // And compares without dividing by zero.
        QVERIFY(compareRunsTable(s, summarizeRun(twoJobs()), QStringLiteral("empty"), QStringLiteral("two"))
                    .contains(QStringLiteral("makespan")));
    }

    void theTableHasEveryMeasureAndTheRatio()
    {
        RunSummary a = summarizeRun(twoJobs());
        RunSummary b = a;
        b.makespanNs *= 2;
        const QString table = compareRunsTable(a, b, QStringLiteral("before.json"), QStringLiteral("after.json"));
        for (const char* measure : { "jobs", "not ended", "makespan", "throughput", "wait p50", "wait p95", "run p50",
                 "run p95", "busy", "peak backlog" })
            QVERIFY2(table.contains(QLatin1String(measure)), measure);
        QVERIFY(table.contains(QStringLiteral("before.json")) && table.contains(QStringLiteral("after.json")));
        const QString makespan = table.split(QLatin1Char('\n')).filter(QStringLiteral("makespan")).front();
        QVERIFY2(makespan.contains(QStringLiteral("310.00 ms")) && makespan.contains(QStringLiteral("620.00 ms"))
                && makespan.endsWith(QStringLiteral("2.00x")),
            qPrintable(makespan));
    }
};

QTEST_GUILESS_MAIN(TestRunComparison)
#include "tst_runcomparison.moc"
