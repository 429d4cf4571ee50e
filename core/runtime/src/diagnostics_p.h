// SPDX-FileCopyrightText: 2026 The qtwisted authors
// SPDX-License-Identifier: MIT
// What a DiagnosticsMonitor reads from a reactor and a pool: a few atomics the reactor thread keeps while it is
// watched, and a snapshot a pool takes under its own lock. Not API.
#pragma once

#include <qtwisted/detail/chain.h>
#include <qtwisted/trace.h>

#include <QString>
#include <QStringList>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

class QThread;

namespace qtwisted {
class ThreadPool;
}

namespace qtwisted::detail {

class PoolState;
class ReactorCore;

/// What kind of work the reactor thread is doing (ReactorWatch::api).
enum class ReactorWork : std::uint8_t {
    None,
    CallFromThread,
    BlockingCallFromThread,
    Delivery, ///< a deferToThread result or a blocking call's answer handed to its Deferred
    DelayedCall,
};

/// Written by the reactor thread while a monitor watches it (relaxed stores; the watchdog only samples them).
struct ReactorWatch {
    std::atomic<bool> enabled { false };
    /// traceNow() when the reactor thread left its loop for its current batch of work; 0 while it is in the loop.
    std::atomic<std::int64_t> busySince { 0 };
    /// Bumped for every call the reactor starts: the watchdog sees whether the running call changed.
    std::atomic<std::uint64_t> callSeq { 0 };
    std::atomic<std::uint64_t> callId { 0 }; ///< the call's trace id (0 unless a recorder is attached)
    std::atomic<std::uint32_t> callLabel { 0 };
    std::atomic<ReactorWork> callWork { ReactorWork::None };
    /// Calls that a call of the same callable queued for the reactor with no delay (callFromThread from the
    /// reactor thread, callLater(0)): counted, with the last such callable's tag.
    std::atomic<std::uint64_t> selfRuns { 0 };
    std::atomic<const void*> selfTag { nullptr };
    /// The probe: the watchdog posts one and stamps probeSent; the reactor thread stamps probeAnswered.
    std::atomic<std::int64_t> probeSent { 0 };
    std::atomic<std::int64_t> probeAnswered { 0 };
};

/// A pool worker's job as the monitor sees it.
struct WorkerSample {
    int index = 0;
    bool running = false; ///< has a job
    bool blocked = false; ///< waits in blockingCallFromThread
    bool expectedLong = false;
    quint64 jobId = 0;
    std::uint32_t label = 0;
    std::int64_t startedNs = 0;
    int tid = 0; ///< the kernel's thread id (Linux), 0 if unknown
    int cpuClock = 0; ///< the thread's CPU-time clock (a clockid_t, Linux), 0 if unknown
};

/// One job's wait in the backlog.
struct WaitSample {
    std::int64_t startedNs = 0;
    std::int64_t waitNs = 0;
    std::uint32_t label = 0;
};

/// A pool's state, taken under its lock.
struct PoolSnapshot {
    QString name;
    int max = 0;
    int workers = 0;
    int busy = 0;
    int blocked = 0;
    int lent = 0; ///< workers running beyond max because others are blocked
    int backlog = 0;
    bool started = false;
    bool compensated = true;
    quint64 startedJobs = 0; ///< jobs taken from the backlog, ever
    /// The pool stamps jobs with a coarse clock: add this to its times to get traceNow() times.
    std::int64_t coarseToTraceNs = 0;
    std::vector<quint64> queuedHead; ///< ids of the first few queued jobs
    std::vector<WorkerSample> workersNow;
    std::vector<WaitSample> waits; ///< waits since the last snapshot (moved out)
};

/// Turns a pool's monitoring on or off (queued times, wait samples, per-worker jobs); counted, so nested
/// monitors are fine.
void setPoolMonitored(PoolState& pool, bool on);
/// false when the pool is gone.
bool snapshotPool(const std::weak_ptr<PoolState>& pool, PoolSnapshot& out);
std::weak_ptr<PoolState> poolStateOf(ThreadPool& pool);
/// Called around a wait in blockingCallFromThread: on a pool worker, the pool counts it as blocked (and, when
/// compensating, may start a worker in its place).
void enterBlockedWait() noexcept;
void leaveBlockedWait() noexcept;

/// The reactor's watch, and the thread the reactor runs in.
ReactorWatch& reactorWatch(ReactorCore& core);
/// The reactor is running (or shutting down): its loop turns, so a probe left unanswered means a stall.
bool reactorLoopRunning(ReactorCore& core);
/// Posts the probe to the reactor thread (answered by stamping probeAnswered); false when the reactor is gone.
bool postReactorProbe(const std::weak_ptr<ReactorCore>& core);
/// Records into the reactor's recorder if one is attached.
void recordReactorEvent(const std::weak_ptr<ReactorCore>& core, const TraceEvent& event);

/// Rare events a monitor hears of synchronously (from the thread they happen in).
class DiagnosticsListener {
public:
    DiagnosticsListener() = default;
    DiagnosticsListener(const DiagnosticsListener&) = delete;
    DiagnosticsListener& operator=(const DiagnosticsListener&) = delete;
    DiagnosticsListener(DiagnosticsListener&&) = delete;
    DiagnosticsListener& operator=(DiagnosticsListener&&) = delete;
    virtual ~DiagnosticsListener() = default;
    /// The reactor shut down while these threads (their names) waited in blockingCallFromThread.
    virtual void shutdownWithBlockedCallers(const QStringList& threads) noexcept = 0;
    /// A Deferred died holding an unhandled Failure (any thread's Deferred: the monitor keeps its reactor's).
    virtual void unhandledError(const ChainCore& core) noexcept = 0;
};

void setReactorListener(ReactorCore& core, const std::shared_ptr<DiagnosticsListener>& listener);
/// Process-wide, for Deferreds (which do not know their reactor): every listener hears of every unhandled error.
void addUnhandledErrorListener(const std::shared_ptr<DiagnosticsListener>& listener);
void removeUnhandledErrorListener(const DiagnosticsListener* listener);
void notifyUnhandledError(const ChainCore& core) noexcept;

} // namespace qtwisted::detail
