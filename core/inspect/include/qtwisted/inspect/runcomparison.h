// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/inspect/tracedata.h>

#include <QList>
#include <QString>

#include <cstdint>
#include <limits>

namespace qtwisted {

/// What two runs are compared on (`thread-lab --compare A.json B.json`): the pool jobs of a recorded run, from the
/// first job queued to the last job ended.
struct RunSummary {
    std::int64_t poolJobs = 0; ///< pool jobs of the run, whatever became of them (0: an empty run)
    std::int64_t startNs = kNoTime; ///< the first of them queued (or, with no queue time, started); kNoTime: none
    std::int64_t jobs = 0; ///< pool jobs that ended (finished or failed)
    std::int64_t unfinished = 0; ///< still queued or running when the trace ends (a run that hung)
    std::int64_t makespanNs
        = 0; ///< first queued to last ended (0: no job ended); when not finished, to the trace's end
    bool finished = true; ///< false: jobs never ended (the makespan is a lower bound)
    double throughputPerSecond = 0; ///< jobs / makespan
    std::int64_t waitP50Ns = 0, waitP95Ns = 0; ///< time in the queue
    std::int64_t runP50Ns = 0, runP95Ns = 0; ///< run time
    double busyPercent = 0; ///< the workers' mean busy share of the makespan
    std::int64_t peakBacklog = 0; ///< most jobs waiting at once (the first pool's)
};

/// Summarises a run (TraceData::stats() over its makespan): the pool jobs queued (or, with no queue time, started)
/// within [fromNs, toNs] — by default all of them; a range picks one run out of a recording that holds several.
RunSummary summarizeRun(const TraceData& data, std::int64_t fromNs = std::numeric_limits<std::int64_t>::min(),
    std::int64_t toNs = std::numeric_limits<std::int64_t>::max());

/// One measure of two runs: each run's value, and B ÷ A ("-" when A is 0).
struct RunComparisonRow {
    QString measure;
    QString a;
    QString b;
    QString ratio;
};

/// The measures of two runs, in the order of the table (jobs, not ended, makespan, throughput, wait and run p50/p95,
/// busy, peak backlog): what the window's Compare tab and compareRunsTable() show.
QList<RunComparisonRow> compareRuns(const RunSummary& a, const RunSummary& b);

/// A plain-text table of two runs: one row per measure, each run's value and B ÷ A.
QString compareRunsTable(const RunSummary& a, const RunSummary& b, const QString& nameA, const QString& nameB);

} // namespace qtwisted
