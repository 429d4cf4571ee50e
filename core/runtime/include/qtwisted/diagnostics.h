// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
#pragma once

#include <qtwisted/trace.h>

#include <QList>
#include <QObject>
#include <QString>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace qtwisted {

class Reactor;
class ThreadPool;

/// What a diagnostics finding is about (docs/diagnostics.md documents each rule's detection).
enum class DiagnosticRule : std::uint8_t {
    ReactorStall, ///< the reactor thread has not come back to its loop for longer than the threshold
    PoolSaturation, ///< every worker busy and the backlog not shrinking (escalates: no job started at all)
    BlockingExhaustion, ///< every worker waits in blockingCallFromThread while work is queued (or the pool lends)
    QueueWait, ///< the p95 of queued -> started over the last window exceeds the threshold
    LongRunningJob, ///< a job has been running longer than the threshold
    UnhandledError, ///< a Deferred died holding a Failure nobody handled
    ShutdownWithBlockedCallers, ///< the reactor shut down while threads waited in blockingCallFromThread
    ReactorHotLoop, ///< one callable keeps queueing itself (callLater(0), callFromThread from itself)
};

enum class DiagnosticSeverity : std::uint8_t { Info, Warning, Critical };

/// The monitor's thresholds. Every duration must be positive and at most one hour (std::invalid_argument otherwise,
/// naming the field); `maxFindings` must be between 1 and 1 000 000.
struct DiagnosticThresholds {
    std::chrono::milliseconds stall { 100 }; ///< asyncio's slow_callback_duration, Akka's starvation detector
    std::chrono::milliseconds saturation { 500 }; ///< every worker busy and the backlog not shrinking this long
    std::chrono::milliseconds starvation { 500 }; ///< no job started this long while work waits (.NET's rule)
    std::chrono::milliseconds queueWait { 1000 }; ///< p95 of queued -> started, per pool and per label
    std::chrono::milliseconds queueWaitWindow { 2000 }; ///< the window the percentiles are taken over
    std::chrono::milliseconds longRunningJob { 10000 }; ///< a job running longer than this (not expected-long)
    std::chrono::milliseconds sampleInterval { 25 }; ///< how often the watchdog looks (it never runs per call)
    std::chrono::milliseconds hotLoopWindow { 1000 }; ///< the window the hot-loop rule counts over
    int hotLoopRunsPerSecond = 1000; ///< self-queued runs of one callable per second that make a hot loop
    int maxFindings = 1000; ///< kept in memory; the oldest are dropped and counted
};

/// One problem, from when it started to when it ended. An ongoing problem is one finding, updated in place.
struct DiagnosticFinding {
    quint64 id = 0; ///< unique per monitor, stable while the finding is updated
    DiagnosticRule rule = DiagnosticRule::ReactorStall;
    DiagnosticSeverity severity = DiagnosticSeverity::Warning;
    std::int64_t startNs = 0; ///< traceNow() time base
    std::int64_t endNs = 0; ///< 0 while ongoing
    QString pool; ///< the pool's name, or empty
    QList<quint64> jobs; ///< job ids involved (pool job ids; reactor call ids while a recorder is attached)
    QList<int> workers; ///< worker indexes involved (PoolThread-<pool>-<n>)
    QString message; ///< one sentence
    QString remedy; ///< what to do, or empty
    std::optional<int> suggestedMaxThreads; ///< a one-click remedy: the pool's maximum that would help

    bool ongoing() const noexcept { return endNs == 0; }
    std::int64_t durationNs(std::int64_t now) const noexcept { return (endNs ? endNs : now) - startNs; }
};

QString toString(DiagnosticRule rule);
QString toString(DiagnosticSeverity severity);

namespace detail {
class DiagnosticsState;
}

/// Watches a reactor, its pool and any other ThreadPool for the problems of DiagnosticRule, from a watchdog thread
/// that samples every `sampleInterval` (no cost per call beyond a few relaxed stores). Off until one is made;
/// destroying it detaches it. Findings are delivered as signals in the thread the monitor lives in (make it in the
/// reactor thread), logged once each under `qtwisted.diagnostics`, kept (bounded) and, while a TraceRecorder is
/// attached to the reactor, recorded into the trace (TraceEventKind::FindingStarted / FindingEnded).
/// One monitor per reactor at a time.
class DiagnosticsMonitor : public QObject {
    Q_OBJECT
public:
    /// Watches `reactor` and its pool. std::invalid_argument for bad thresholds; std::logic_error when another
    /// monitor already watches this reactor.
    explicit DiagnosticsMonitor(Reactor& reactor, DiagnosticThresholds thresholds = {}, QObject* parent = nullptr);
    ~DiagnosticsMonitor() override;
    DiagnosticsMonitor(const DiagnosticsMonitor&) = delete;
    DiagnosticsMonitor& operator=(const DiagnosticsMonitor&) = delete;
    DiagnosticsMonitor(DiagnosticsMonitor&&) = delete;
    DiagnosticsMonitor& operator=(DiagnosticsMonitor&&) = delete;

    /// Watches another pool too (the reactor's own pool is watched from the start).
    void watch(ThreadPool& pool);
    void unwatch(ThreadPool& pool);

    /// Validates (std::invalid_argument naming the field, nothing changed) and applies at the next sample.
    void setThresholds(const DiagnosticThresholds& thresholds);
    DiagnosticThresholds thresholds() const;
    static void validate(const DiagnosticThresholds& thresholds);

    /// The findings kept, oldest first (ongoing ones with their current state). Thread-safe.
    QList<DiagnosticFinding> findings() const;
    /// Findings dropped because more than maxFindings were kept.
    quint64 droppedFindings() const;
    /// Forgets the findings kept (ongoing ones go on, and are kept again when they change).
    void clear();

Q_SIGNALS:
    void findingStarted(const qtwisted::DiagnosticFinding& finding);
    void findingUpdated(const qtwisted::DiagnosticFinding& finding);
    void findingEnded(const qtwisted::DiagnosticFinding& finding);

private Q_SLOTS:
    /// Emits the findings the watchdog thread queued (queued to this object's thread by name, without a payload).
    void deliverFindings();

private:
    std::shared_ptr<detail::DiagnosticsState> m_d;
};

/// Marks the jobs this thread submits while it lives as expected to run long: the long-running-job rule ignores
/// them (sleeping workers in a demo, a blocking read meant to block). Nests.
class ScopedExpectedLongJobs {
public:
    ScopedExpectedLongJobs() noexcept;
    ~ScopedExpectedLongJobs();
    ScopedExpectedLongJobs(const ScopedExpectedLongJobs&) = delete;
    ScopedExpectedLongJobs& operator=(const ScopedExpectedLongJobs&) = delete;
    ScopedExpectedLongJobs(ScopedExpectedLongJobs&&) = delete;
    ScopedExpectedLongJobs& operator=(ScopedExpectedLongJobs&&) = delete;

    static bool active() noexcept;
};

} // namespace qtwisted

Q_DECLARE_METATYPE(qtwisted::DiagnosticFinding)
